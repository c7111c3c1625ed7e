//! Request paths matched the way the real service's router matches them. axum matches
//! exactly; ASP.NET Core (slskd) ignores the case of literal segments and a trailing
//! slash, and MusicBrainz ignores a trailing slash. [`Routes`] records each route's
//! template as it is added, and the router it builds rewrites a request's path to the
//! template's spelling before axum routes it. Parameter segments keep their spelling.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::MethodRouter;
use tower::Layer;

/// Which spellings of a route's path the real service accepts besides the exact one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathRules {
    /// Literal segments match in any case (`/API/v0/Searches`).
    pub ignore_case: bool,
    /// One trailing slash is ignored (`/api/v0/searches/`).
    pub ignore_trailing_slash: bool,
}

impl PathRules {
    /// ASP.NET Core endpoint routing: case-insensitive, trailing slash ignored.
    pub const ASP_NET: Self = Self {
        ignore_case: true,
        ignore_trailing_slash: true,
    };
    /// Exact segments, but a trailing slash is ignored.
    pub const TRAILING_SLASH: Self = Self {
        ignore_case: false,
        ignore_trailing_slash: true,
    };
}

/// An axum router together with the templates of its routes.
pub(crate) struct Routes<S = ()> {
    router: Router<S>,
    templates: Vec<String>,
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            templates: Vec::new(),
        }
    }

    /// Adds a route, as [`Router::route`] does.
    pub fn route(mut self, template: &str, method_router: MethodRouter<S>) -> Self {
        self.router = self.router.route(template, method_router);
        self.templates.push(template.to_owned());
        self
    }

    /// Serves `routes` under `prefix`, as [`Router::nest`] does.
    pub fn nest(mut self, prefix: &str, routes: Routes<S>) -> Self {
        self.router = self.router.nest(prefix, routes.router);
        self.templates.extend(
            routes
                .templates
                .into_iter()
                .map(|template| format!("{prefix}{template}")),
        );
        self
    }

    /// Changes the router without adding routes (layers, for instance).
    pub fn map_router(mut self, change: impl FnOnce(Router<S>) -> Router<S>) -> Self {
        self.router = change(self.router);
        self
    }

    /// Supplies the state, as [`Router::with_state`] does.
    pub fn with_state(self, state: S) -> Routes<()> {
        Routes {
            router: self.router.with_state(state),
            templates: self.templates,
        }
    }
}

impl Routes<()> {
    /// A router that accepts every spelling `rules` allow and routes it as the template's.
    pub fn into_router(self, rules: PathRules) -> Router {
        let matcher = Arc::new(PathMatcher {
            rules,
            templates: self.templates,
        });
        let normalised =
            axum::middleware::from_fn_with_state(matcher, normalise_path).layer(self.router);
        Router::new().fallback_service(normalised)
    }
}

#[derive(Debug)]
struct PathMatcher {
    rules: PathRules,
    templates: Vec<String>,
}

impl PathMatcher {
    /// The template's spelling of `path`, when it differs and a template accepts it.
    fn canonical(&self, path: &str) -> Option<String> {
        let trimmed = match path.strip_suffix('/') {
            Some(rest) if self.rules.ignore_trailing_slash && !rest.is_empty() => rest,
            _ => path,
        };
        let segments: Vec<&str> = trimmed.split('/').collect();
        let rewritten = self
            .templates
            .iter()
            .find_map(|template| self.spell_as(template, &segments))?;
        (rewritten != path).then_some(rewritten)
    }

    fn spell_as(&self, template: &str, segments: &[&str]) -> Option<String> {
        let literals: Vec<&str> = template.split('/').collect();
        if literals.len() != segments.len() {
            return None;
        }
        let mut spelled = Vec::with_capacity(segments.len());
        for (literal, segment) in literals.iter().zip(segments) {
            let is_parameter = literal.starts_with('{') && literal.ends_with('}');
            let matches = if is_parameter {
                !segment.is_empty()
            } else if self.rules.ignore_case {
                literal.eq_ignore_ascii_case(segment)
            } else {
                literal == segment
            };
            if !matches {
                return None;
            }
            spelled.push(if is_parameter { *segment } else { *literal });
        }
        Some(spelled.join("/"))
    }
}

async fn normalise_path(
    State(matcher): State<Arc<PathMatcher>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(path) = matcher.canonical(request.uri().path()) {
        let path_and_query = match request.uri().query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = request.uri().clone().into_parts();
        if let Ok(rewritten) = path_and_query.parse() {
            parts.path_and_query = Some(rewritten);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests;
