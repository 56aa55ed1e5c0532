//! The parsed form of a template.

use serde_json::Value;

#[derive(Debug)]
pub enum Node {
    Text(String),
    /// `{{pipeline}}`: prints the value unless the pipeline declares or assigns a variable.
    Action(Pipeline),
    If {
        pipe: Pipeline,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Range {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    With {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

/// `[$a[, $b] :=|=] command | command ...`
#[derive(Debug)]
pub struct Pipeline {
    pub offset: usize,
    /// Variables declared (`:=`) or assigned (`=`), without the `$`.
    pub variables: Vec<String>,
    pub assign: bool,
    pub commands: Vec<Command>,
}

/// A function call with its arguments, or a single value.
#[derive(Debug)]
pub struct Command {
    pub operands: Vec<Operand>,
}

#[derive(Debug)]
pub struct Operand {
    pub term: Term,
    pub offset: usize,
}

#[derive(Debug)]
pub enum Term {
    Dot,
    Field(Vec<String>),
    /// `$name.A.B`; the root variable `$` has an empty name.
    Variable {
        name: String,
        path: Vec<String>,
    },
    Function(String),
    Literal(Value),
    Nil,
    /// `(pipeline).A.B`
    Nested {
        pipe: Box<Pipeline>,
        path: Vec<String>,
    },
}

impl Term {
    /// The operand as written, for error messages like Go's `at <.Foo>`.
    pub fn describe(&self) -> String {
        let chain = |path: &[String]| path.iter().map(|p| format!(".{p}")).collect::<String>();
        match self {
            Term::Dot => ".".to_string(),
            Term::Field(path) => chain(path),
            Term::Variable { name, path } => format!("${name}{}", chain(path)),
            Term::Function(name) => name.clone(),
            Term::Literal(value) => value.to_string(),
            Term::Nil => "nil".to_string(),
            Term::Nested { path, .. } => format!("(...){}", chain(path)),
        }
    }
}
