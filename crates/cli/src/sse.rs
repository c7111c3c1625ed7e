//! A minimal reader of server-sent events: `event:` and `data:` fields, comment lines
//! ignored, a blank line ends a message (the WHATWG "event stream" format, without `id:`
//! and `retry:`, which the router does not send).

use reqwest::Response;

/// One message of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `message` when the server named none.
    pub event: String,
    /// The `data:` lines joined by newlines.
    pub data: String,
}

/// Turns bytes, in chunks of any size, into messages.
#[derive(Debug, Default)]
pub struct Parser {
    /// The bytes of a line not yet ended (a chunk may end anywhere, even inside a character).
    pending: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl Parser {
    /// Reads `chunk` and returns the messages it completes.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Message> {
        self.pending.extend_from_slice(chunk);
        let mut messages = Vec::new();
        while let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
            let mut line: Vec<u8> = self.pending.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line);
            if let Some(message) = self.line(&line) {
                messages.push(message);
            }
        }
        messages
    }

    fn line(&mut self, line: &str) -> Option<Message> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }

    /// A blank line: the message so far, if it has data (a message without data is dropped,
    /// as the format says).
    fn dispatch(&mut self) -> Option<Message> {
        let event = self.event.take();
        let data = self.data.take()?;
        Some(Message {
            event: event
                .filter(|event| !event.is_empty())
                .unwrap_or_else(|| "message".to_owned()),
            data,
        })
    }
}

/// The messages of an open stream, read as they arrive.
#[derive(Debug)]
pub struct EventStream {
    response: Response,
    parser: Parser,
    ready: std::collections::VecDeque<Message>,
}

impl EventStream {
    pub fn new(response: Response) -> Self {
        Self {
            response,
            parser: Parser::default(),
            ready: std::collections::VecDeque::new(),
        }
    }

    /// The next message; `None` when the stream ended or broke.
    pub async fn next(&mut self) -> Option<Message> {
        loop {
            if let Some(message) = self.ready.pop_front() {
                return Some(message);
            }
            let chunk = self.response.chunk().await.ok()??;
            self.ready.extend(self.parser.push(&chunk));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(event: &str, data: &str) -> Message {
        Message {
            event: event.to_owned(),
            data: data.to_owned(),
        }
    }

    #[test]
    fn reads_named_messages_and_skips_comments() {
        let mut parser = Parser::default();

        let messages = parser.push(b": keep-alive\n\nevent: job\ndata: {\"id\":\"j\"}\n\n");

        assert_eq!(messages, vec![message("job", "{\"id\":\"j\"}")]);
    }

    #[test]
    fn a_message_split_anywhere_across_chunks_is_read_whole() {
        let stream = "event: event\r\ndata: {\"title\":\"Café\"}\r\n\r\nevent: closed\ndata:{}\n\n";
        let bytes = stream.as_bytes();
        for split in 1..bytes.len() {
            let mut parser = Parser::default();
            let mut messages = parser.push(&bytes[..split]);
            messages.extend(parser.push(&bytes[split..]));
            assert_eq!(
                messages,
                vec![
                    message("event", "{\"title\":\"Café\"}"),
                    message("closed", "{}")
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn data_lines_join_with_newlines_and_unnamed_messages_are_messages() {
        let mut parser = Parser::default();

        let messages = parser.push(b"data: one\ndata: two\n\nevent: job\n\n");

        assert_eq!(messages, vec![message("message", "one\ntwo")]);
    }

    #[test]
    fn an_unfinished_message_waits_for_its_blank_line() {
        let mut parser = Parser::default();

        assert!(parser.push(b"event: job\ndata: {}\n").is_empty());
        assert_eq!(parser.push(b"\n"), vec![message("job", "{}")]);
    }
}
