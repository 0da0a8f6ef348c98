//! Plugin errors (abi/README.md section 7).

use core::fmt;

/// The plugin error codes. A plugin never returns a host code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// The request is malformed or not understood.
    InvalidRequest,
    /// The thing asked for does not exist (including an unknown component).
    NotFound,
    /// The component does not do what was asked.
    Unsupported,
    /// The component refuses on purpose.
    Denied,
    /// A dependency is down; retrying may help.
    Unavailable,
    /// Anything else.
    Internal,
}

impl Code {
    /// The code as written on the wire: "invalid_request", ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::InvalidRequest => "invalid_request",
            Code::NotFound => "not_found",
            Code::Unsupported => "unsupported",
            Code::Denied => "denied",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error reply: a code and a message (lower case, one line, no trailing
/// period). A handler returns it as `Err(..)`; the kit writes the envelope
/// `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidRequest, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(Code::Unsupported, message)
    }
    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(Code::Denied, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Code::Unavailable, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Code::Internal, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.code.as_str())
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// `error!(Code::NotFound, "no key {:?}", key)` builds an [`Error`] with a
/// formatted message.
#[macro_export]
macro_rules! error {
    ($code:expr, $($fmt:tt)+) => {
        $crate::Error::new($code, ::std::format!($($fmt)+))
    };
}

/// The result of a handler.
pub type Result<T, E = Error> = core::result::Result<T, E>;
