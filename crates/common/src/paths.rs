//! Path containment: whether a path stays inside a folder.
