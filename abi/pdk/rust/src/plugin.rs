//! The plugin table: the components a plugin declares and their handlers.

use crate::error::Result;
use crate::reply::{ActuateReply, EnvironmentReply, ObjectReply, ObligeReply};
use crate::request::{
    Action, ActuateRequest, AgentActRequest, AgentResetRequest, EnvironmentRequest, ObjectRequest, ObligeRequest,
};

/// The kind of a component (abi/README.md section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Actuator,
    Obligation,
    Environment,
    Object,
    Agent,
}

impl Kind {
    /// The kind as written in manifests: "actuator", ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Actuator => "actuator",
            Kind::Obligation => "obligation",
            Kind::Environment => "environment",
            Kind::Object => "object",
            Kind::Agent => "agent",
        }
    }
}

/// An actuator handler.
pub type ActuateFn = for<'a, 'r> fn(&'r ActuateRequest<'a>) -> Result<ActuateReply<'a>>;
/// An obligation handler.
pub type ObligeFn = for<'a, 'r> fn(&'r ObligeRequest<'a>) -> Result<ObligeReply<'a>>;
/// An environment setter.
pub type EnvironmentFn = for<'a, 'r> fn(&'r EnvironmentRequest<'a>) -> Result<EnvironmentReply<'a>>;
/// An object setter.
pub type ObjectFn = for<'a, 'r> fn(&'r ObjectRequest<'a>) -> Result<ObjectReply<'a>>;
/// An agent's reset: the reply is always `{}`.
pub type AgentResetFn = for<'a, 'r> fn(&'r AgentResetRequest<'a>) -> Result<()>;
/// An agent's act: the chosen action, one of `observation.choices`.
pub type AgentActFn = for<'a, 'r> fn(&'r AgentActRequest<'a>) -> Result<Action<'a>>;

/// A component's handlers; the variant is its kind.
#[derive(Clone, Copy)]
pub enum Handler {
    Actuator(ActuateFn),
    Obligation(ObligeFn),
    Environment(EnvironmentFn),
    Object(ObjectFn),
    Agent(AgentResetFn, AgentActFn),
}

/// A setting an agent accepts at reset.
#[derive(Clone, Copy, Debug)]
pub struct AgentOption {
    pub name: &'static str,
    pub description: &'static str,
    /// The value used when the run does not set the option.
    pub default: &'static str,
}

/// One component: its manifest entry and its handlers. Build it with the
/// `const fn` constructors, in a static table:
///
/// ```ignore
/// Component::environment("time", &["time"], time).description("the host's time")
/// ```
#[derive(Clone, Copy)]
pub struct Component {
    pub name: &'static str,
    pub description: &'static str,
    pub handler: Handler,
    /// Actuator: the OpenC2 profiles implemented ("slpf").
    pub profiles: &'static [&'static str],
    /// Actuator: each action supported, with its target types.
    pub pairs: &'static [(&'static str, &'static [&'static str])],
    /// Environment: the attribute keys provided.
    pub attributes: &'static [&'static str],
    /// Object: order among object setters, lower first.
    pub priority: i64,
    /// Agent: the options accepted at reset.
    pub options: &'static [AgentOption],
    /// Obligation, object: the keys of its configuration it reads (ABI 1.2);
    /// the host warns of others.
    pub config_keys: &'static [&'static str],
}

impl Component {
    const fn new(name: &'static str, handler: Handler) -> Self {
        Component {
            name,
            description: "",
            handler,
            profiles: &[],
            pairs: &[],
            attributes: &[],
            priority: 0,
            options: &[],
            config_keys: &[],
        }
    }
    /// An actuator implementing these profiles and action/target pairs.
    pub const fn actuator(
        name: &'static str,
        profiles: &'static [&'static str],
        pairs: &'static [(&'static str, &'static [&'static str])],
        f: ActuateFn,
    ) -> Self {
        let mut c = Self::new(name, Handler::Actuator(f));
        c.profiles = profiles;
        c.pairs = pairs;
        c
    }
    pub const fn obligation(name: &'static str, f: ObligeFn) -> Self {
        Self::new(name, Handler::Obligation(f))
    }
    /// An environment setter providing these attribute keys.
    pub const fn environment(name: &'static str, attributes: &'static [&'static str], f: EnvironmentFn) -> Self {
        let mut c = Self::new(name, Handler::Environment(f));
        c.attributes = attributes;
        c
    }
    pub const fn object(name: &'static str, f: ObjectFn) -> Self {
        Self::new(name, Handler::Object(f))
    }
    pub const fn agent(name: &'static str, reset: AgentResetFn, act: AgentActFn) -> Self {
        Self::new(name, Handler::Agent(reset, act))
    }
    /// Sets the one-line description of the manifest.
    pub const fn description(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }
    /// Sets an object setter's priority.
    pub const fn priority(mut self, priority: i64) -> Self {
        self.priority = priority;
        self
    }
    /// Sets the configuration keys an obligation or object setter reads.
    pub const fn config_keys(mut self, keys: &'static [&'static str]) -> Self {
        self.config_keys = keys;
        self
    }
    /// Sets an agent's options.
    pub const fn options(mut self, options: &'static [AgentOption]) -> Self {
        self.options = options;
        self
    }
    /// The component's kind.
    pub const fn kind(&self) -> Kind {
        match self.handler {
            Handler::Actuator(_) => Kind::Actuator,
            Handler::Obligation(_) => Kind::Obligation,
            Handler::Environment(_) => Kind::Environment,
            Handler::Object(_) => Kind::Object,
            Handler::Agent(..) => Kind::Agent,
        }
    }
}

/// The plugin: its manifest and components. Declare it once per module with
/// [`plugin!`](crate::plugin), which also defines every export of the ABI.
#[derive(Clone, Copy)]
pub struct Plugin {
    /// Matches `^[a-z0-9][a-z0-9._-]{0,63}$`.
    pub name: &'static str,
    /// Not empty; SemVer is recommended.
    pub version: &'static str,
    pub description: &'static str,
    /// Exactly the capabilities whose host functions the plugin calls.
    pub capabilities: &'static [&'static str],
    pub components: &'static [Component],
}
