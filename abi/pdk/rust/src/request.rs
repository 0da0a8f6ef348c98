//! The requests of the five kinds (abi/README.md section 6), decoded
//! without copying: strings and free-form values are views into the request
//! buffer, valid for the call.
//!
//! Decoding follows section 3: unknown keys are skipped at any depth, a
//! missing or nil key takes its zero value, str and bin are both accepted
//! for text, and any integer format for integers. Anything else is answered
//! `invalid_request` by the kit before a handler runs, with a message
//! `decode <kind> request: <field>: <problem>`.

use crate::error::Error;
use crate::msgpack::{ReadError, Reader, Type, Val};

/// The attributes of an access-control evaluation, in four categories. Each
/// is a map of any, or missing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    pub subject: Val<'a>,
    pub object: Val<'a>,
    pub environment: Val<'a>,
    pub access: Val<'a>,
}

impl<'a> Context<'a> {
    /// Looks up a dotted path whose first segment is the category:
    /// "subject.id", "access.reason", "object.owner.id". `None` when a map
    /// along the way is missing or lacks the key; a key present with nil is
    /// found.
    pub fn get(&self, path: &str) -> Option<Val<'a>> {
        let (cat, rest) = match path.find('.') {
            Some(i) => (&path[..i], &path[i + 1..]),
            None => (path, ""),
        };
        let v = match cat {
            "subject" => self.subject,
            "object" => self.object,
            "environment" => self.environment,
            "access" => self.access,
            _ => return None,
        };
        if rest.is_empty() {
            return if v.exists() { Some(v) } else { None };
        }
        v.path(rest)
    }
}

/// `gatehouse_describe`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DescribeRequest<'a> {
    /// The host's ABI version, "1.0".
    pub host_abi: &'a str,
}

/// An OpenC2 command.
#[derive(Clone, Copy, Debug, Default)]
pub struct Command<'a> {
    pub action: &'a str,
    /// The target map: one key, the target type, mapped to its value.
    pub target: Val<'a>,
    /// How many keys `target` has (1 when well-formed).
    pub target_keys: u32,
    /// The target's only key, when it has exactly one.
    pub target_type: &'a str,
    /// The target's only value, when it has exactly one.
    pub target_value: Val<'a>,
    pub args: Val<'a>,
    pub actuator: Val<'a>,
    pub command_id: &'a str,
}

/// The OpenC2 headers that came with a command.
#[derive(Clone, Debug, Default)]
pub struct Headers<'a> {
    pub request_id: &'a str,
    /// Milliseconds since the Unix epoch.
    pub created: i64,
    pub from: &'a str,
    pub to: Vec<&'a str>,
}

/// `gatehouse_actuate`.
#[derive(Clone, Debug, Default)]
pub struct ActuateRequest<'a> {
    pub component: &'a str,
    pub command: Command<'a>,
    pub headers: Headers<'a>,
    /// The profile the command was routed by; "" when none.
    pub profile: &'a str,
    pub specifiers: Val<'a>,
}

/// The decision an obligation follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Decision {
    Grant,
    Deny,
    NotApplicable,
    /// Any other value; see `ObligeRequest::decision_name`.
    #[default]
    Other,
}

/// `gatehouse_oblige`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ObligeRequest<'a> {
    pub component: &'a str,
    pub decision: Decision,
    /// The decision as sent: "GRANT", "DENY", "NOT_APPLICABLE".
    pub decision_name: &'a str,
    pub context: Context<'a>,
    pub config: Val<'a>,
}

/// `gatehouse_environment`.
#[derive(Clone, Copy, Debug, Default)]
pub struct EnvironmentRequest<'a> {
    pub component: &'a str,
    pub key: &'a str,
    pub context: Context<'a>,
}

/// `gatehouse_object`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ObjectRequest<'a> {
    pub component: &'a str,
    /// The object's attributes so far, a map of any.
    pub object: Val<'a>,
    /// The request's path below the service's proxy URL.
    pub path: &'a str,
    pub config: Val<'a>,
}

/// A connection of a simulation model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Edge<'a> {
    pub from: &'a str,
    pub to: &'a str,
}

/// `gatehouse_agent_reset`.
#[derive(Clone, Debug, Default)]
pub struct AgentResetRequest<'a> {
    pub component: &'a str,
    pub actor: &'a str,
    pub seed: i64,
    pub goals: Vec<&'a str>,
    /// Every declared option with its value, in the order sent.
    pub options: Vec<(&'a str, &'a str)>,
    pub edges: Vec<Edge<'a>>,
}

impl<'a> AgentResetRequest<'a> {
    /// The value of an option; `None` when not sent.
    pub fn option(&self, name: &str) -> Option<&'a str> {
        self.options.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// A simulation action: in a request, one of the choices; in a reply, the
/// chosen one.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Action<'a> {
    /// "move", "take", "read", "drop" or "wait".
    pub kind: &'a str,
    /// A location or a possessible; "" for wait.
    pub target: &'a str,
    /// The chance, 0 to 1, that the action fails.
    pub risk: f64,
    /// The ticks the action keeps the actor busy.
    pub time: i64,
}

impl Action<'static> {
    /// `{"kind": "wait"}`.
    pub const WAIT: Action<'static> = Action { kind: "wait", target: "", risk: 0.0, time: 0 };
}

/// What an actor sees when it is free to act.
#[derive(Clone, Debug, Default)]
pub struct Observation<'a> {
    pub tick: i64,
    pub location: &'a str,
    pub holdings: Vec<&'a str>,
    pub goals: Vec<&'a str>,
    pub choices: Vec<Action<'a>>,
}

/// `gatehouse_agent_act`.
#[derive(Clone, Debug, Default)]
pub struct AgentActRequest<'a> {
    pub component: &'a str,
    pub actor: &'a str,
    pub observation: Observation<'a>,
}

// ---- decoding ----

pub(crate) struct Dec<'a> {
    r: Reader<'a>,
    what: &'static str,
}

type D<T> = Result<T, Error>;

impl<'a> Dec<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Dec { r: Reader::new(buf), what }
    }

    fn bad(&self, field: &str, problem: &str) -> Error {
        Error::invalid_request(format!("decode {}: {}: {}", self.what, field, problem))
    }

    fn key(&mut self) -> D<&'a str> {
        self.r.read_str().map_err(|_| self.bad("map", "a key is not a string"))
    }

    fn skip(&mut self) -> D<()> {
        self.r.skip().map_err(|_| self.bad("request", "truncated or invalid msgpack"))
    }

    /// A message map's header; nil is an empty map.
    fn map(&mut self, field: &str) -> D<u32> {
        if self.r.read_nil() {
            return Ok(0);
        }
        match self.r.read_map() {
            Ok(n) => Ok(n),
            Err(ReadError::Truncated) => Err(self.bad(field, "truncated or invalid msgpack")),
            Err(_) => Err(self.bad(field, "not a map")),
        }
    }

    fn str(&mut self, field: &str) -> D<&'a str> {
        if self.r.read_nil() {
            return Ok("");
        }
        self.r.read_str().map_err(|e| match e {
            ReadError::Type => self.bad(field, "not a string"),
            e => self.bad(field, &e.to_string()),
        })
    }

    fn int(&mut self, field: &str) -> D<i64> {
        if self.r.read_nil() {
            return Ok(0);
        }
        self.r.read_i64().map_err(|e| match e {
            ReadError::Type => self.bad(field, "not an integer"),
            e => self.bad(field, &e.to_string()),
        })
    }

    fn float(&mut self, field: &str) -> D<f64> {
        if self.r.read_nil() {
            return Ok(0.0);
        }
        self.r.read_f64().map_err(|e| match e {
            ReadError::Type => self.bad(field, "not a number"),
            e => self.bad(field, &e.to_string()),
        })
    }

    /// A map of any, kept encoded; nil leaves it missing.
    fn anymap(&mut self, field: &str) -> D<Val<'a>> {
        if self.r.read_nil() {
            return Ok(Val::MISSING);
        }
        if self.r.peek() != Type::Map {
            return Err(self.bad(field, "not a map"));
        }
        self.r.read_val().map_err(|_| self.bad(field, "truncated or invalid msgpack"))
    }

    /// An array header, its length checked against the bytes left.
    fn array(&mut self, field: &str) -> D<u32> {
        if self.r.read_nil() {
            return Ok(0);
        }
        let n = self.r.read_array().map_err(|e| match e {
            ReadError::Type => self.bad(field, "not an array"),
            _ => self.bad(field, "truncated or invalid msgpack"),
        })?;
        if n as usize > self.r.rest().len() {
            return Err(self.bad(field, "truncated or invalid msgpack"));
        }
        Ok(n)
    }

    fn strs(&mut self, field: &str) -> D<Vec<&'a str>> {
        let n = self.array(field)?;
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            out.push(self.str(field)?);
        }
        Ok(out)
    }

    fn context(&mut self) -> D<Context<'a>> {
        let mut c = Context::default();
        for _ in 0..self.map("context")? {
            match self.key()? {
                "subject" => c.subject = self.anymap("context.subject")?,
                "object" => c.object = self.anymap("context.object")?,
                "environment" => c.environment = self.anymap("context.environment")?,
                "access" => c.access = self.anymap("context.access")?,
                _ => self.skip()?,
            }
        }
        Ok(c)
    }

    /// The request map's header.
    fn request(&mut self) -> D<u32> {
        match self.r.read_map() {
            Ok(n) => Ok(n),
            Err(ReadError::Type) | Err(ReadError::Utf8) => Err(self.bad("request", "not a map")),
            Err(_) if self.r.is_empty() => Err(self.bad("request", "not a map")),
            Err(_) => Err(self.bad("request", "truncated or invalid msgpack")),
        }
    }

    fn done(&self) -> D<()> {
        if self.r.is_empty() {
            Ok(())
        } else {
            Err(self.bad("request", "trailing bytes after the map"))
        }
    }

    pub(crate) fn describe(&mut self) -> D<DescribeRequest<'a>> {
        let mut q = DescribeRequest::default();
        for _ in 0..self.request()? {
            match self.key()? {
                "host_abi" => q.host_abi = self.str("host_abi")?,
                _ => self.skip()?,
            }
        }
        self.done()?;
        Ok(q)
    }

    fn command(&mut self) -> D<Command<'a>> {
        let mut c = Command::default();
        for _ in 0..self.map("command")? {
            match self.key()? {
                "action" => c.action = self.str("command.action")?,
                "target" => c.target = self.anymap("command.target")?,
                "args" => c.args = self.anymap("command.args")?,
                "actuator" => c.actuator = self.anymap("command.actuator")?,
                "command_id" => c.command_id = self.str("command.command_id")?,
                _ => self.skip()?,
            }
        }
        let mut it = c.target.entries().unwrap_or_else(|| Val::MISSING.entries().unwrap());
        c.target_keys = it.remaining();
        if c.target_keys == 1 {
            match it.next() {
                Some((k, v)) => {
                    c.target_type = k;
                    c.target_value = v;
                }
                None => return Err(self.bad("command.target", "a key is not a string")),
            }
        } else {
            for _ in it.by_ref() {}
            if it.bad() {
                return Err(self.bad("command.target", "a key is not a string"));
            }
        }
        Ok(c)
    }

    fn headers(&mut self) -> D<Headers<'a>> {
        let mut h = Headers::default();
        for _ in 0..self.map("headers")? {
            match self.key()? {
                "request_id" => h.request_id = self.str("headers.request_id")?,
                "created" => h.created = self.int("headers.created")?,
                "from" => h.from = self.str("headers.from")?,
                "to" => h.to = self.strs("headers.to")?,
                _ => self.skip()?,
            }
        }
        Ok(h)
    }

    pub(crate) fn actuate(&mut self) -> D<ActuateRequest<'a>> {
        let mut q = ActuateRequest::default();
        for _ in 0..self.request()? {
            match self.key()? {
                "component" => q.component = self.str("component")?,
                "command" => q.command = self.command()?,
                "headers" => q.headers = self.headers()?,
                "profile" => q.profile = self.str("profile")?,
                "specifiers" => q.specifiers = self.anymap("specifiers")?,
                _ => self.skip()?,
            }
        }
        self.done()?;
        Ok(q)
    }

    pub(crate) fn oblige(&mut self) -> D<ObligeRequest<'a>> {
        let mut q = ObligeRequest::default();
        for _ in 0..self.request()? {
            match self.key()? {
                "component" => q.component = self.str("component")?,
                "decision" => q.decision_name = self.str("decision")?,
                "context" => q.context = self.context()?,
                "config" => q.config = self.anymap("config")?,
                _ => self.skip()?,
            }
        }
        q.decision = match q.decision_name {
            "GRANT" => Decision::Grant,
            "DENY" => Decision::Deny,
            "NOT_APPLICABLE" => Decision::NotApplicable,
            _ => Decision::Other,
        };
        self.done()?;
        Ok(q)
    }

    pub(crate) fn environment(&mut self) -> D<EnvironmentRequest<'a>> {
        let mut q = EnvironmentRequest::default();
        for _ in 0..self.request()? {
            match self.key()? {
                "component" => q.component = self.str("component")?,
                "key" => q.key = self.str("key")?,
                "context" => q.context = self.context()?,
                _ => self.skip()?,
            }
        }
        self.done()?;
        Ok(q)
    }

    pub(crate) fn object(&mut self) -> D<ObjectRequest<'a>> {
        let mut q = ObjectRequest::default();
        for _ in 0..self.request()? {
            match self.key()? {
                "component" => q.component = self.str("component")?,
                "object" => q.object = self.anymap("object")?,
                "path" => q.path = self.str("path")?,
                "config" => q.config = self.anymap("config")?,
                _ => self.skip()?,
            }
        }
        self.done()?;
        Ok(q)
    }

    fn options(&mut self) -> D<Vec<(&'a str, &'a str)>> {
        let n = self.map("options")?;
        if n as usize > self.r.rest().len() {
            return Err(self.bad("options", "truncated or invalid msgpack"));
        }
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let k = self.key()?;
            out.push((k, self.str("options")?));
        }
        Ok(out)
    }

    fn edges(&mut self) -> D<Vec<Edge<'a>>> {
        let n = self.array("edges")?;
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let mut e = Edge::default();
            for _ in 0..self.map("edges")? {
                match self.key()? {
                    "from" => e.from = self.str("edges.from")?,
                    "to" => e.to = self.str("edges.to")?,
                    _ => self.skip()?,
                }
            }
            out.push(e);
        }
        Ok(out)
    }

    pub(crate) fn agent_reset(&mut self) -> D<AgentResetRequest<'a>> {
        let mut q = AgentResetRequest::default();
        for _ in 0..self.request()? {
            match self.key()? {
                "component" => q.component = self.str("component")?,
                "actor" => q.actor = self.str("actor")?,
                "seed" => q.seed = self.int("seed")?,
                "goals" => q.goals = self.strs("goals")?,
                "options" => q.options = self.options()?,
                "edges" => q.edges = self.edges()?,
                _ => self.skip()?,
            }
        }
        self.done()?;
        Ok(q)
    }

    fn action(&mut self) -> D<Action<'a>> {
        let mut a = Action::default();
        for _ in 0..self.map("observation.choices")? {
            match self.key()? {
                "kind" => a.kind = self.str("observation.choices.kind")?,
                "target" => a.target = self.str("observation.choices.target")?,
                "risk" => a.risk = self.float("observation.choices.risk")?,
                "time" => a.time = self.int("observation.choices.time")?,
                _ => self.skip()?,
            }
        }
        Ok(a)
    }

    fn observation(&mut self) -> D<Observation<'a>> {
        let mut o = Observation::default();
        for _ in 0..self.map("observation")? {
            match self.key()? {
                "tick" => o.tick = self.int("observation.tick")?,
                "location" => o.location = self.str("observation.location")?,
                "holdings" => o.holdings = self.strs("observation.holdings")?,
                "goals" => o.goals = self.strs("observation.goals")?,
                "choices" => {
                    let n = self.array("observation.choices")?;
                    let mut v = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        v.push(self.action()?);
                    }
                    o.choices = v;
                }
                _ => self.skip()?,
            }
        }
        Ok(o)
    }

    pub(crate) fn agent_act(&mut self) -> D<AgentActRequest<'a>> {
        let mut q = AgentActRequest::default();
        for _ in 0..self.request()? {
            match self.key()? {
                "component" => q.component = self.str("component")?,
                "actor" => q.actor = self.str("actor")?,
                "observation" => q.observation = self.observation()?,
                _ => self.skip()?,
            }
        }
        self.done()?;
        Ok(q)
    }
}
