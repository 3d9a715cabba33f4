//! Stage 1, load: YAML or JSON text → a [`Node`] tree that keeps line:column
//! for every node.
//!
//! The tree is built here from the events of `yaml-rust2`'s parser; a file
//! named `*.json` is read by a JSON parser instead (`crate::load_json`:
//! YAML readers refuse some valid JSON, such as surrogate-pair escapes),
//! into the same tree. What it keeps:
//!
//! - **Positions**: every node and key has the 1-based line and 1-based
//!   column (in characters) where it starts: a scalar at its text (after
//!   any `&anchor` or `!tag`), a flow collection at its bracket, a block
//!   sequence at its first `-`, a block mapping at its first key. (The
//!   parser's markers have 1-based lines and 0-based columns, and put a
//!   block mapping at its first key's `:`.)
//! - **Scalars** stay their source text, so integers of any size load; they
//!   are only interpreted where the generator needs a number. An unquoted
//!   `null`, `~`, `Null`, `NULL` or empty scalar is [`Value::Null`]; a quoted
//!   `"null"` is the text `null`.
//! - **Anchors and aliases** (`&a` / `*a`): an alias becomes a copy of the
//!   anchored node, with the anchored node's positions. Every node built
//!   counts, copies included; past [`MAX_NODES`] (an "alias bomb") loading
//!   stops with a diagnostic, and so does an alias that would nest the tree
//!   deeper than [`MAX_DEPTH`].
//! - **Merge keys** (YAML 1.1 `<<: *base` or `<<: [*a, *b]`): the merged
//!   mappings' entries are added where the `<<` stands, except keys the
//!   mapping sets itself; among several merged mappings the first wins.
//! - **Tags** (`!x`, `!!int`) are accepted and ignored: the value is kept as
//!   written, except that `!!str` makes an unquoted `null` the text `null`.
//!
//! An empty stream (nothing, or only comments) is an empty mapping; later
//! stages say what it lacks. Reported, with `None` returned: syntax errors,
//! a top level that is not a mapping, non-scalar keys, duplicate keys (at
//! the second, naming the first's line), a `<<` whose value is not
//! mappings, an alias to an unknown anchor or into its own node, the limits
//! above, and a second document in the stream (`---`).

use serde::Deserialize;
use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diagnostics::{Pos, Reporter};

/// A node of the loaded document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub pos: Pos,
    /// What it holds.
    pub value: Value,
}

/// The content of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar, as its source text (an unquoted `null`, `~` or empty scalar
    /// is [`Value::Null`]).
    Scalar(String),
    /// An explicit null.
    Null,
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where the key starts.
    pub pos: Pos,
}

impl Node {
    /// The value under `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries, when this is a mapping.
    pub fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, when this is a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text, when this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar text under `key`.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// A YAML/JSON boolean under `key`.
    pub fn bool_at(&self, key: &str) -> Option<bool> {
        match self.str_at(key)? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// True when this is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A short word for the kind of node, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Scalar(_) => "a scalar",
            Value::Null => "null",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Deeper documents are refused before parsing: the parser recurses once per
/// level, and no real spec comes near this.
pub const MAX_DEPTH: usize = 500;

/// A cheap upper bound on a document's nesting: per line, indentation plus
/// sequence dashes, plus flow brackets open at that point.
fn nesting_estimate(text: &str) -> (usize, usize) {
    let mut worst = (0, 0);
    let mut brackets: usize = 0;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        for c in line.chars() {
            match c {
                '[' | '{' => brackets += 1,
                ']' | '}' => brackets = brackets.saturating_sub(1),
                _ => {}
            }
            if indent + brackets > worst.0 {
                worst = (indent + brackets, i + 1);
            }
        }
    }
    worst
}

/// Most nodes (keys included) a document may expand to, counting alias
/// copies and the kept copy of each anchored node. The largest spec in the
/// shared corpus (`openai-3.1.yaml`, 3 MB) has about 110,000, so real specs
/// stay far below; "billion laughs" alias bombs stop here, using at most a
/// few hundred megabytes.
pub const MAX_NODES: usize = 5_000_000;

/// Loads `text` (named `path`) into a tree. Problems are reported and
/// `None` returned. A file named `*.json` must be strict JSON (no trailing
/// commas, comments or YAML-only syntax) and is read by a JSON parser.
pub fn load<'a>(path: &'a str, text: &'a str, reporter: &mut Reporter<'a>) -> Option<Node> {
    let file = reporter.add_file(path, text);
    if file == 0 {
        return load_file(path, text, reporter);
    }
    // An included file: load it on its own, then move its positions (and
    // any problems) into its place among the reporter's files.
    let mut own = Reporter::new(path, text);
    let loaded = load_file(path, text, &mut own);
    reporter.absorb(file, own.finish());
    let mut node = loaded?;
    set_file(&mut node, file);
    Some(node)
}

/// Marks every position of a loaded tree as belonging to file `file`.
fn set_file(node: &mut Node, file: u32) {
    node.pos.file = file;
    match &mut node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                key.pos.file = file;
                set_file(value, file);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|item| set_file(item, file)),
        _ => {}
    }
}

fn load_file(path: &str, text: &str, reporter: &mut Reporter<'_>) -> Option<Node> {
    let json = path.to_ascii_lowercase().ends_with(".json");
    if json && !strict_json(text, reporter) {
        return None;
    }
    let (depth, line) = nesting_estimate(text);
    if depth > MAX_DEPTH {
        reporter.error(
            Pos::new(line, 1),
            format!("the document nests deeper than {MAX_DEPTH} levels"),
            Some("flatten the structure with `$ref`s to named components".into()),
        );
        return None;
    }
    if json {
        return crate::load_json::load(text, reporter);
    }
    // The parser is third-party; a panic inside it must still become a
    // diagnostic, never abort the caller (build.rs, the CLI).
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(text, MAX_NODES)));
    match parsed {
        Ok(Ok(node)) => Some(node),
        Ok(Err(problems)) => {
            for p in problems {
                reporter.error(p.pos, p.message, Some(p.hint));
            }
            None
        }
        Err(_) => {
            reporter.error(
                Pos::new(1, 1),
                "the YAML parser failed on this document",
                Some(
                    "check the file is valid YAML or JSON (a YAML linter will point at the spot)"
                        .into(),
                ),
            );
            None
        }
    }
}

/// Checks that `text` is JSON as RFC 8259 defines it.
fn strict_json(text: &str, reporter: &mut Reporter<'_>) -> bool {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let result = serde::de::IgnoredAny::deserialize(&mut de).and_then(|_| de.end());
    match result {
        Ok(()) => true,
        Err(e) => {
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            reporter.error(
                Pos::new(e.line().max(1), e.column().max(1)),
                format!("invalid JSON: {message}"),
                Some(
                    "a `.json` spec must be strict JSON (no trailing commas or comments); \
                     rename it to `.yaml` if it is meant as YAML"
                        .into(),
                ),
            );
            false
        }
    }
}

/// One problem found while loading.
struct Problem {
    pos: Pos,
    message: String,
    hint: String,
}

impl Problem {
    fn new(pos: Pos, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Parses the first document of `text` and checks that it is the only one;
/// stops past `max_nodes` nodes.
fn parse(text: &str, max_nodes: usize) -> Result<Node, Vec<Problem>> {
    let mut builder = Builder::new(text, max_nodes);
    let mut parser = Parser::new_from_str(text);
    let outcome = parser.load(&mut builder, false).and_then(|()| {
        // `load` stops after the first document; anything but the end of
        // the stream after it is a second document.
        parser.next_token().map(|(event, mark)| match event {
            Event::StreamEnd => None,
            _ => Some(mark),
        })
    });
    let mut problems = builder.problems;
    match outcome {
        Ok(None) => {}
        Ok(Some(mark)) => problems.push(Problem::new(
            pos(&mark),
            "a second YAML document starts here",
            "an OpenAPI document is one YAML document: remove this `---` and what follows, \
             or move it to a file of its own",
        )),
        Err(err) if err.info().contains("unknown anchor") => {
            let name = alias_name(text, err.marker());
            problems.push(Problem::new(
                pos(err.marker()),
                format!("alias `*{name}` has no anchor"),
                format!("define `&{name}` on a node before this alias, or use a `$ref`"),
            ));
        }
        Err(err) => problems.push(Problem::new(
            pos(err.marker()),
            format!("YAML syntax error: {}", err.info()),
            "check indentation and quoting around this line",
        )),
    }
    match builder.root {
        Some(root) if problems.is_empty() => Ok(root),
        _ if problems.is_empty() => Err(vec![Problem::new(
            Pos::new(1, 1),
            "the YAML parser ended without a document",
            "check the file is valid YAML or JSON (a YAML linter will point at the spot)",
        )]),
        _ => Err(problems),
    }
}

/// A parser marker as a 1-based position.
fn pos(mark: &Marker) -> Pos {
    Pos::new(mark.line().max(1), mark.col() + 1)
}

/// The name of the alias written at `mark` (`*name`), for messages.
fn alias_name(text: &str, mark: &Marker) -> String {
    let line = text
        .lines()
        .nth(mark.line().saturating_sub(1))
        .unwrap_or("");
    line.chars()
        .skip(mark.col())
        .skip_while(|&c| c == '*')
        .take_while(|&c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect()
}

/// True for the core `!!str` tag.
fn is_str_tag(tag: Option<&Tag>) -> bool {
    tag.is_some_and(|t| t.handle == "tag:yaml.org,2002:" && t.suffix == "str")
}

/// A finished node with its size in nodes and its height in levels.
#[derive(Clone)]
struct Built {
    node: Node,
    size: usize,
    height: usize,
}

/// A sequence or mapping whose end has not been seen yet.
struct Frame {
    pos: Pos,
    anchor: usize,
    /// Nodes in it so far, itself and keys included.
    size: usize,
    /// Levels in it so far, itself included.
    height: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Key, Node)>,
        /// Values of `<<` merge keys, with the entry index they stand at.
        merges: Vec<(usize, Key, Node)>,
        /// The key waiting for its value, and whether it is a merge key.
        key: Option<(Key, bool)>,
    },
}

/// Builds the tree from parser events.
struct Builder<'t> {
    text: &'t str,
    stack: Vec<Frame>,
    /// Finished anchored nodes by the parser's anchor id.
    anchors: HashMap<usize, Built>,
    root: Option<Node>,
    /// Nodes built so far, alias copies and kept anchored nodes included.
    nodes: usize,
    /// The most nodes allowed ([`MAX_NODES`] outside tests).
    max_nodes: usize,
    problems: Vec<Problem>,
    /// Set by a problem after which the rest of the events are ignored.
    stopped: bool,
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.stopped {
            return;
        }
        let at = pos(&mark);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                if !self.count(1, at) {
                    return;
                }
                if self.awaits_key() {
                    let merge = plain && text == "<<";
                    let key = Key {
                        name: text.clone(),
                        pos: at,
                    };
                    if anchor > 0 {
                        let node = Node {
                            pos: at,
                            value: Value::Scalar(text),
                        };
                        self.keep_anchor(anchor, &leaf(node), at);
                    }
                    self.set_key(key, merge);
                    return;
                }
                let null_text = matches!(text.as_str(), "" | "null" | "~" | "Null" | "NULL");
                let value = if plain && null_text && !is_str_tag(tag.as_ref()) {
                    Value::Null
                } else {
                    Value::Scalar(text)
                };
                self.finish(leaf(Node { pos: at, value }), anchor, at);
            }
            Event::SequenceStart(anchor, _) => self.open(at, anchor, Body::Seq(Vec::new())),
            Event::MappingStart(anchor, _) => self.open(
                at,
                anchor,
                Body::Map {
                    entries: Vec::new(),
                    merges: Vec::new(),
                    key: None,
                },
            ),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => self.alias(id, at, &mark),
            Event::StreamEnd if self.root.is_none() && self.stack.is_empty() => {
                // An empty stream (nothing, or only comments) is an empty
                // mapping; later stages say what it lacks.
                self.root = Some(Node {
                    pos: at,
                    value: Value::Map(Vec::new()),
                });
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
    }
}

fn leaf(node: Node) -> Built {
    Built {
        node,
        size: 1,
        height: 1,
    }
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, max_nodes: usize) -> Self {
        Self {
            text,
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            nodes: 0,
            max_nodes,
            problems: Vec::new(),
            stopped: false,
        }
    }

    /// Records a problem after which loading stops.
    fn stop(&mut self, problem: Problem) {
        self.problems.push(problem);
        self.stopped = true;
    }

    /// Counts `n` more nodes; false (and stopped) past the limit.
    fn count(&mut self, n: usize, at: Pos) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.max_nodes {
            let max = self.max_nodes;
            self.stop(Problem::new(
                at,
                format!("the document expands to more than {max} nodes"),
                "aliases (`*name`) here copy large anchored nodes again and again; \
                 share them with `$ref`s to components instead",
            ));
            return false;
        }
        true
    }

    /// True when the innermost open node is a mapping waiting for a key.
    fn awaits_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                body: Body::Map { key: None, .. },
                ..
            })
        )
    }

    fn set_key(&mut self, new: Key, merge: bool) {
        if let Some(Frame {
            pos,
            body:
                Body::Map {
                    entries,
                    merges,
                    key,
                },
            ..
        }) = self.stack.last_mut()
        {
            // The parser places a block mapping at its first key's `:`;
            // the mapping starts at that key.
            if entries.is_empty() && merges.is_empty() && new.pos < *pos {
                *pos = new.pos;
            }
            *key = Some((new, merge));
        }
    }

    fn not_a_mapping(&mut self, at: Pos) {
        self.stop(Problem::new(
            at,
            "the document must be a mapping at the top level",
            "an OpenAPI document starts with keys such as `openapi:`, `info:` and `paths:`",
        ));
    }

    fn open(&mut self, at: Pos, anchor: usize, body: Body) {
        if self.awaits_key() {
            return self.stop(Problem::new(
                at,
                "mapping keys must be plain scalars",
                "use a plain or quoted string as the key",
            ));
        }
        if self.stack.is_empty() && matches!(body, Body::Seq(_)) {
            return self.not_a_mapping(at);
        }
        if self.count(1, at) {
            self.stack.push(Frame {
                pos: at,
                anchor,
                size: 1,
                height: 1,
                body,
            });
        }
    }

    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let value = match frame.body {
            Body::Seq(items) => Value::Seq(items),
            Body::Map {
                entries, merges, ..
            } => Value::Map(self.finish_map(entries, merges)),
        };
        let built = Built {
            node: Node {
                pos: frame.pos,
                value,
            },
            size: frame.size,
            height: frame.height,
        };
        self.finish(built, frame.anchor, frame.pos);
    }

    /// Keeps a copy of an anchored node for its aliases.
    fn keep_anchor(&mut self, anchor: usize, built: &Built, at: Pos) {
        if self.count(built.size, at) {
            self.anchors.insert(anchor, built.clone());
        }
    }

    /// A node is complete: keep it for aliases, then place it.
    fn finish(&mut self, built: Built, anchor: usize, at: Pos) {
        if anchor > 0 {
            self.keep_anchor(anchor, &built, at);
        }
        self.place(built);
    }

    /// Puts a complete (non-key) node into the innermost open node.
    fn place(&mut self, built: Built) {
        if self.stopped {
            return;
        }
        let Some(frame) = self.stack.last_mut() else {
            if built.node.is_map() {
                self.root = Some(built.node);
            } else {
                self.not_a_mapping(built.node.pos);
            }
            return;
        };
        frame.size += built.size;
        frame.height = frame.height.max(built.height + 1);
        match &mut frame.body {
            Body::Seq(items) => items.push(built.node),
            Body::Map {
                entries,
                merges,
                key,
            } => match key.take() {
                Some((k, true)) => merges.push((entries.len(), k, built.node)),
                Some((k, false)) => entries.push((k, built.node)),
                // Not reached: `open` refuses a collection as a key.
                None => self.problems.push(Problem::new(
                    built.node.pos,
                    "mapping keys must be plain scalars",
                    "use a plain or quoted string as the key",
                )),
            },
        }
    }

    fn alias(&mut self, id: usize, at: Pos, mark: &Marker) {
        let Some(anchored) = self.anchors.get(&id) else {
            let name = alias_name(self.text, mark);
            return self.stop(Problem::new(
                at,
                format!("alias `*{name}` is inside the node it refers to"),
                "an alias cannot repeat a node inside itself; use a `$ref` for recursive schemas",
            ));
        };
        let (size, height) = (anchored.size, anchored.height);
        if self.stack.len() + height > MAX_DEPTH {
            let name = alias_name(self.text, mark);
            return self.stop(Problem::new(
                at,
                format!("alias `*{name}` nests the document deeper than {MAX_DEPTH} levels"),
                "flatten the structure with `$ref`s to named components",
            ));
        }
        if !self.count(size, at) {
            return;
        }
        let built = self.anchors[&id].clone();
        if self.awaits_key() {
            let name = match &built.node.value {
                Value::Scalar(s) => s.clone(),
                Value::Null => "null".to_string(),
                _ => {
                    return self.stop(Problem::new(
                        at,
                        "mapping keys must be plain scalars",
                        "this alias refers to a sequence or mapping; use a plain or quoted \
                         string as the key",
                    ))
                }
            };
            return self.set_key(Key { name, pos: at }, false);
        }
        self.place(built);
    }

    /// Checks a finished mapping's keys and applies its merge keys.
    fn finish_map(
        &mut self,
        entries: Vec<(Key, Node)>,
        merges: Vec<(usize, Key, Node)>,
    ) -> Vec<(Key, Node)> {
        self.report_duplicates(
            entries
                .iter()
                .map(|(k, _)| k)
                .chain(merges.iter().map(|(_, k, _)| k)),
        );
        if merges.is_empty() {
            return entries;
        }
        let own: HashSet<String> = entries.iter().map(|(k, _)| k.name.clone()).collect();
        let mut added: HashSet<String> = HashSet::new();
        let mut out = Vec::with_capacity(entries.len());
        let mut merges = merges.into_iter().peekable();
        let mut entries = entries.into_iter();
        let mut index = 0;
        loop {
            while let Some((_, _, value)) = merges.next_if(|(at, _, _)| *at == index) {
                for (k, v) in self.merge_sources(value) {
                    if !own.contains(&k.name) && added.insert(k.name.clone()) {
                        out.push((k, v));
                    }
                }
            }
            match entries.next() {
                Some(entry) => out.push(entry),
                None => break,
            }
            index += 1;
        }
        out
    }

    /// The entries a `<<` value brings, first mapping first.
    fn merge_sources(&mut self, value: Node) -> Vec<(Key, Node)> {
        let bad = |node: &Node| {
            Problem::new(
                node.pos,
                format!(
                    "the merge key `<<` takes a mapping or a list of mappings, not {}",
                    node.kind()
                ),
                "point `<<` at anchored mappings, as in `<<: *base` or `<<: [*a, *b]`",
            )
        };
        match value.value {
            Value::Map(entries) => entries,
            Value::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item.value {
                        Value::Map(entries) => out.extend(entries),
                        _ => self.problems.push(bad(&item)),
                    }
                }
                out
            }
            _ => {
                self.problems.push(bad(&value));
                Vec::new()
            }
        }
    }

    /// Reports each repeated key at its repetition, naming the first's line.
    fn report_duplicates<'k>(&mut self, keys: impl Iterator<Item = &'k Key>) {
        let mut keys: Vec<&Key> = keys.collect();
        if keys.len() < 2 {
            return;
        }
        keys.sort_by(|a, b| a.name.cmp(&b.name).then(a.pos.cmp(&b.pos)));
        let mut first = keys[0];
        for key in &keys[1..] {
            if key.name == first.name {
                self.problems.push(Problem::new(
                    key.pos,
                    format!("duplicate key `{}`", key.name),
                    format!(
                        "the first `{}` is at line {}; keep one of them",
                        first.name, first.pos.line
                    ),
                ));
            } else {
                first = key;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_ok(text: &str) -> Node {
        let mut r = Reporter::new("t.yaml", text);
        let n = load("t.yaml", text, &mut r);
        assert!(!r.has_errors(), "{}", r.finish());
        n.expect("loaded")
    }

    #[test]
    fn keeps_positions_and_big_integers() {
        let n = load_ok("a: 1\nb:\n  c: 123456789012345678901234567890\n");
        let c = n.get("b").and_then(|b| b.get("c")).expect("c");
        assert_eq!(c.as_str(), Some("123456789012345678901234567890"));
        assert_eq!(c.pos, Pos::new(3, 6));
    }

    #[test]
    fn loads_json() {
        let n = load_ok("{\"openapi\": \"3.0.0\", \"x\": [1, 2]}");
        assert_eq!(n.str_at("openapi"), Some("3.0.0"));
        assert_eq!(n.get("x").and_then(Node::items).map(<[Node]>::len), Some(2));
    }

    #[test]
    fn reports_syntax_and_duplicate_errors() {
        for text in ["a: [1, 2\n", "a: 1\na: 2\n"] {
            let mut r = Reporter::new("t.yaml", text);
            assert!(load("t.yaml", text, &mut r).is_none());
            assert!(r.has_errors());
        }
    }

    /// Loads `text`, expecting failure; the diagnostics as
    /// `line:column message | hint`.
    fn load_err(text: &str) -> Vec<String> {
        let mut r = Reporter::new("t.yaml", text);
        assert!(load("t.yaml", text, &mut r).is_none(), "loaded: {text}");
        r.finish()
            .0
            .iter()
            .map(|d| {
                let hint = d.hint.as_deref().expect("every load diagnostic has a hint");
                format!("{}:{} {} | {hint}", d.pos.line, d.pos.column, d.message)
            })
            .collect()
    }

    fn names(node: &Node) -> Vec<&str> {
        let entries = node.entries().expect("a mapping");
        entries.iter().map(|(k, _)| k.name.as_str()).collect()
    }

    #[test]
    fn positions_are_one_based_for_nodes_and_keys() {
        let n = load_ok("a:\n  - x\n  - {k: v}\n\"q\": [1, \"two\"]\n");
        let (key, a) = &n.entries().expect("map")[0];
        assert_eq!(key.pos, Pos::new(1, 1));
        assert_eq!(n.pos, Pos::new(1, 1));
        let items = a.items().expect("seq");
        assert_eq!(items[0].pos, Pos::new(2, 5));
        assert_eq!(items[1].pos, Pos::new(3, 5));
        let (k, v) = &items[1].entries().expect("map")[0];
        assert_eq!((k.pos, v.pos), (Pos::new(3, 6), Pos::new(3, 9)));
        let (q, list) = &n.entries().expect("map")[1];
        assert_eq!(q.pos, Pos::new(4, 1));
        let two = &list.items().expect("seq")[1];
        assert_eq!((two.as_str(), two.pos), (Some("two"), Pos::new(4, 10)));
        // Columns count characters, not bytes.
        let n = load_ok("ñandú: {é: x}\n");
        let x = n.get("ñandú").and_then(|m| m.get("é")).expect("x");
        assert_eq!(x.pos, Pos::new(1, 12));
    }

    #[test]
    fn only_unquoted_null_words_are_null() {
        let n = load_ok(
            "a: null\nb: ~\nc:\nd: Null\ne: NULL\nf: \"null\"\ng: 'null'\nh: !!str null\ni: nil\nj: ''\n",
        );
        for key in ["a", "b", "c", "d", "e"] {
            assert_eq!(n.get(key).map(|v| &v.value), Some(&Value::Null), "{key}");
        }
        for (key, text) in [
            ("f", "null"),
            ("g", "null"),
            ("h", "null"),
            ("i", "nil"),
            ("j", ""),
        ] {
            assert_eq!(n.str_at(key), Some(text), "{key}");
        }
        // JSON's null is the unquoted word too.
        let n = load_ok("{\"a\": null, \"b\": \"null\"}");
        assert_eq!(n.get("a").map(|v| &v.value), Some(&Value::Null));
        assert_eq!(n.str_at("b"), Some("null"));
    }

    #[test]
    fn an_alias_is_a_copy_of_the_anchored_node() {
        let n = load_ok(
            "base: &b\n  type: string\n  enum: [a, b]\nx: *b\nlist: [&s one, *s]\ny: {k: *b}\n",
        );
        let base = n.get("base").expect("base");
        assert_eq!(n.get("x"), Some(base), "same value and positions");
        assert_eq!(n.get("y").and_then(|y| y.get("k")), Some(base));
        let list = n.get("list").and_then(Node::items).expect("list");
        assert_eq!(list[0], list[1]);
        // A scalar starts at its text, after any `&anchor`.
        assert_eq!(list[1].pos, Pos::new(5, 11));
        // An anchor may be redefined; an alias refers to the latest one.
        let n = load_ok("a: &v 1\nb: &v 2\nc: *v\n");
        assert_eq!(n.str_at("c"), Some("2"));
        // An anchored scalar key can be repeated as a key.
        let n = load_ok("m: {&k name: 1}\nn: {*k : 2}\n");
        assert_eq!(n.get("n").and_then(|m| m.str_at("name")), Some("2"));
    }

    #[test]
    fn merge_keys_add_the_entries_the_mapping_lacks() {
        let n = load_ok(
            "base: &base\n  a: 1\n  b: 2\nother: &other\n  b: 20\n  c: 30\n\
             one:\n  <<: *base\n  b: 9\n\
             many:\n  x: 0\n  <<: [*other, *base]\n  c: 7\n\
             quoted:\n  '<<': *base\n",
        );
        let one = n.get("one").expect("one");
        assert_eq!(names(one), ["a", "b"]);
        assert_eq!((one.str_at("a"), one.str_at("b")), (Some("1"), Some("9")));
        // Merged entries stand where `<<` is; the first merged mapping wins.
        let many = n.get("many").expect("many");
        assert_eq!(names(many), ["x", "b", "a", "c"]);
        let values: Vec<_> = ["x", "b", "a", "c"].map(|k| many.str_at(k)).into();
        assert_eq!(values, [Some("0"), Some("20"), Some("1"), Some("7")]);
        // A merged entry keeps its positions.
        assert_eq!(many.get("a").map(|a| a.pos), Some(Pos::new(2, 6)));
        // A quoted `<<` is an ordinary key.
        assert_eq!(names(n.get("quoted").expect("quoted")), ["<<"]);

        let errors = load_err("a: {<<: 5}\nb: {<<: [{x: 1}, [2]]}\n");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "1:9 the merge key `<<` takes a mapping or a list of mappings, not a scalar"
            ),
            "{errors:?}"
        );
        assert!(errors[1].starts_with("2:18 the merge key"), "{errors:?}");
    }

    #[test]
    fn alias_bombs_stop_at_the_node_limit() {
        // Nine levels of ten aliases each: a billion nodes if expanded.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let problems = parse(&text, 1_000).expect_err("refused");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "the document expands to more than 1000 nodes"
        );
        assert_eq!(problems[0].pos.line, 3, "the first alias past the limit");
        // The same document at the real limit: refused, not expanded.
        let errors = load_err(&text);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains(&format!("more than {MAX_NODES} nodes")),
            "{errors:?}"
        );
        // Below the limit, aliases expand in full.
        let n = parse(&text.lines().take(3).collect::<Vec<_>>().join("\n"), 10_000).ok();
        let a2 = n.as_ref().and_then(|n| n.get("a2")).and_then(Node::items);
        assert_eq!(a2.map(<[Node]>::len), Some(10));
    }

    #[test]
    fn aliases_cannot_nest_past_the_depth_limit() {
        let deep =
            |open: usize, inner: &str| format!("{}{inner}{}", "[".repeat(open), "]".repeat(open));
        // Each line nests 200 levels (the parser allows a bit more); the
        // aliases stack them to 600.
        let text = format!(
            "a: &a {}\nb: &b {}\nc: {}\n",
            deep(200, "1"),
            deep(200, "*a"),
            deep(200, "*b")
        );
        let errors = load_err(&text);
        assert_eq!(errors.len(), 1);
        let expected =
            format!("3:204 alias `*b` nests the document deeper than {MAX_DEPTH} levels");
        assert!(errors[0].starts_with(&expected), "{errors:?}");
    }

    #[test]
    fn unknown_and_self_referring_aliases_are_reported() {
        assert_eq!(
            load_err("a: 1\nb: [*nope]\n"),
            ["2:5 alias `*nope` has no anchor | define `&nope` on a node before this alias, or use a `$ref`"]
        );
        let errors = load_err("a: &x\n  b: *x\n");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("2:6 alias `*x` is inside the node it refers to"),
            "{errors:?}"
        );
    }

    #[test]
    fn tags_are_ignored() {
        let n = load_ok("a: !!int 5\nb: !custom {x: 1}\nc: !!str 12\nd: !!seq [1]\n");
        assert_eq!(n.str_at("a"), Some("5"));
        assert_eq!(n.get("b").and_then(|b| b.str_at("x")), Some("1"));
        assert_eq!(n.str_at("c"), Some("12"));
        assert_eq!(n.get("d").and_then(Node::items).map(<[Node]>::len), Some(1));
    }

    #[test]
    fn duplicate_keys_point_at_the_first() {
        assert_eq!(
            load_err("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"),
            [
                "4:3 duplicate key `c` | the first `c` is at line 3; keep one of them",
                "5:1 duplicate key `a` | the first `a` is at line 1; keep one of them",
            ]
        );
        // Two merge keys in one mapping are duplicates too; keys a merge
        // brings are not.
        let errors = load_err("b: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n  <<: *b\n");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("5:3 duplicate key `<<`"),
            "{errors:?}"
        );
    }

    #[test]
    fn syntax_and_structure_errors_have_a_position_and_hint() {
        let errors = load_err("a: 1\nb: [1, 2\n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("YAML syntax error: "), "{errors:?}");
        assert!(
            !errors[0].contains(" at byte "),
            "position only once: {errors:?}"
        );
        assert_eq!(
            load_err("[1, 2]"),
            ["1:1 the document must be a mapping at the top level | an OpenAPI document starts with keys such as `openapi:`, `info:` and `paths:`"]
        );
        assert!(load_err("just text\n")[0].starts_with("1:1 the document must be a mapping"));
        assert!(load_err("? [a]\n: 1\n")[0].starts_with("1:3 mapping keys must be plain scalars"));
        // A stream of several documents: the second is reported.
        let errors = load_err("a: 1\n---\nb: 2\n");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("2:1 a second YAML document starts here"),
            "{errors:?}"
        );
        // An explicit start and end of the one document are fine, and an
        // empty file is an empty mapping (later stages say what it lacks).
        assert_eq!(names(&load_ok("---\na: 1\n...\n")), ["a"]);
        assert_eq!(
            load_ok("# only a comment\n").entries().map(<[_]>::len),
            Some(0)
        );
    }
}
