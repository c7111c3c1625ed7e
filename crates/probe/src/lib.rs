//! A health probe that needs nothing but std: one HTTP/1.1 GET over a `TcpStream`, bounded by
//! a deadline, judged by the status line alone. Images carry no curl or shell, so their
//! `HEALTHCHECK` runs this.

mod response;
mod target;

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

pub use response::{MAX_STATUS_LINE, parse_status_line};
pub use target::Target;

/// Why a probe failed.
#[derive(Debug)]
pub enum ProbeError {
    /// The URL is not `http://host[:port][/path]` (the reason says what is wrong).
    Url(&'static str),
    /// The host name did not resolve to any address.
    Resolve(io::Error),
    /// No address accepted the connection.
    Connect(io::Error),
    /// Sending the request or reading the answer failed.
    Io(io::Error),
    /// The deadline passed before a status line arrived.
    TimedOut,
    /// The peer closed the connection before a complete status line.
    Closed,
    /// The answer does not start with an HTTP/1.x status line.
    Malformed,
    /// The server answered, but not with 2xx.
    Status(u16),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(reason) => write!(f, "invalid url: {reason}"),
            Self::Resolve(error) => write!(f, "failed to resolve the host: {error}"),
            Self::Connect(error) => write!(f, "failed to connect: {error}"),
            Self::Io(error) => write!(f, "failed to exchange the request: {error}"),
            Self::TimedOut => f.write_str("no answer before the timeout"),
            Self::Closed => f.write_str("connection closed before a status line"),
            Self::Malformed => f.write_str("the answer is not an http/1.x status line"),
            Self::Status(code) => write!(f, "answered {code}"),
        }
    }
}

impl std::error::Error for ProbeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Resolve(error) | Self::Connect(error) | Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// GETs `url` and returns the status when it is 2xx; everything (connecting, writing, reading
/// the status line) must finish within `timeout`.
pub fn probe(url: &str, timeout: Duration) -> Result<u16, ProbeError> {
    let target = Target::parse(url)?;
    let deadline = Instant::now() + timeout;
    let mut stream = connect(&target, deadline)?;
    stream
        .set_write_timeout(Some(remaining(deadline)?))
        .map_err(ProbeError::Io)?;
    stream
        .write_all(target.request().as_bytes())
        .map_err(|error| io_error(error, ProbeError::Io))?;
    let status = read_status(&mut stream, deadline)?;
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(ProbeError::Status(status))
    }
}

fn connect(target: &Target, deadline: Instant) -> Result<TcpStream, ProbeError> {
    let addresses = (target.host(), target.port())
        .to_socket_addrs()
        .map_err(ProbeError::Resolve)?;
    let mut last = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, remaining(deadline)?) {
            Ok(stream) => return Ok(stream),
            Err(error) => last = Some(error),
        }
    }
    Err(match last {
        Some(error) => io_error(error, ProbeError::Connect),
        None => ProbeError::Resolve(io::Error::new(
            io::ErrorKind::NotFound,
            "the host has no address",
        )),
    })
}

/// Reads until the first CRLF, re-arming the read timeout with what is left of the deadline so
/// that a server trickling bytes cannot stretch the probe.
fn read_status(stream: &mut TcpStream, deadline: Instant) -> Result<u16, ProbeError> {
    let mut head = Vec::with_capacity(64);
    let mut chunk = [0_u8; 128];
    loop {
        if let Some(end) = head.windows(2).position(|pair| pair == b"\r\n") {
            return parse_status_line(&head[..end]).ok_or(ProbeError::Malformed);
        }
        if head.len() >= MAX_STATUS_LINE {
            return Err(ProbeError::Malformed);
        }
        stream
            .set_read_timeout(Some(remaining(deadline)?))
            .map_err(ProbeError::Io)?;
        match stream.read(&mut chunk) {
            Ok(0) => return Err(ProbeError::Closed),
            Ok(read) => head.extend_from_slice(&chunk[..read]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(io_error(error, ProbeError::Io)),
        }
    }
}

fn remaining(deadline: Instant) -> Result<Duration, ProbeError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(ProbeError::TimedOut)
    } else {
        Ok(left)
    }
}

/// A socket timeout shows as `WouldBlock` or `TimedOut` depending on the platform.
fn io_error(error: io::Error, other: fn(io::Error) -> ProbeError) -> ProbeError {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ProbeError::TimedOut,
        _ => other(error),
    }
}
