//! The library's modules depend on each other one way (ARCHITECTURE.md, "Module
//! layers"): this test reads every `crate::…` and `super::…` path in `src/` outside
//! comments and `#[cfg(test)]` modules, maps each file and each path to a unit, and
//! fails on any cycle between units, naming the files and lines of every edge in it.
//!
//! A unit is a top-level module, except that the modules whose parts sit at different
//! layers count per child: `schema::{action, types, model, tables, metadata}`,
//! `runtime::{connection, migrate, version_table, …}`, `env::protocol` and
//! `dialect::name` (`schema::tables` counts with `schema::model`, `runtime::partial`
//! with `runtime::migrate`). A path through a split module's facade (`crate::schema::Schema`)
//! is resolved through the facade's `pub use` lines to the child that defines it.
//! `error`, the crate's one error type that wraps every module's errors and that every
//! module may return, is left out, as `lib.rs` is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules whose children are units of their own.
const SPLIT: &[&str] = &["schema", "runtime", "runtime::connection", "env", "reflect", "url"];
/// Children that are units of their own in a module that is otherwise one unit.
const SPLIT_CHILDREN: &[(&str, &str)] = &[("dialect", "name")];
/// Children that belong with a sibling: the model and its table container, the run
/// loop and its report of a half-applied step.
const SAME_UNIT: &[(&str, &str, &str)] = &[("schema", "tables", "model"), ("runtime", "partial", "migrate")];
/// Left out of the graph (see the module documentation).
const EXEMPT: &[&str] = &["error"];
/// The unit of every dialect's driver (`dialect::<name>::driver::…`) and of their
/// registration (`dialect::drivers`): the layer above the connection trait and the
/// shared reflection types, below the run loop.
const DRIVERS: &str = "drivers";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `src/runtime/migrate.rs` → `runtime::migrate`,
/// `src/dialect/mod.rs` → `dialect`, `src/lib.rs` → the root.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn is_split_child(parent: &str, child: &str) -> bool {
    SPLIT.contains(&parent) || SPLIT_CHILDREN.iter().any(|(p, c)| *p == parent && *c == child)
}

/// What a name in a facade's `mod.rs` stands for.
#[derive(Debug, Clone)]
enum Export {
    /// A child module, or an item re-exported from one (`pub use model::Schema`).
    Child(String),
    /// An item re-exported from elsewhere in the crate (`pub use crate::a::b::X`):
    /// the module path it comes from.
    Elsewhere(Vec<String>),
}

type Facades = BTreeMap<String, BTreeMap<String, Export>>;

/// The unit a module path (or an item's path) belongs to: `schema::model::Table` and
/// `schema::Table` (re-exported from `model`) are both `schema::model`.
fn unit_of(path: &[String], facades: &Facades) -> Option<String> {
    let first = path.first()?;
    let is_driver = first == "dialect"
        && (path.get(1).is_some_and(|p| p == "drivers") || path.get(2).is_some_and(|p| p == "driver"));
    if is_driver {
        return Some(DRIVERS.to_string());
    }
    let mut unit = vec![first.clone()];
    let mut next = 1;
    while let (Some(exports), Some(segment)) = (facades.get(&unit.join("::")), path.get(next)) {
        match exports.get(segment) {
            Some(Export::Child(child)) if is_split_child(&unit.join("::"), child) => {
                let parent = unit.join("::");
                let same = SAME_UNIT.iter().find(|(p, c, _)| *p == parent && c == child);
                unit.push(same.map_or(child.clone(), |u| u.2.to_string()));
                next += 1;
            }
            Some(Export::Elsewhere(from)) => {
                let target: Vec<String> = from.iter().chain(&path[next..]).cloned().collect();
                return unit_of(&target, facades);
            }
            _ => break,
        }
    }
    Some(unit.join("::"))
}

/// Identifier-and-`::` paths starting at `crate::` or `super::` in `line`.
fn paths_in(line: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = line[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            let boundary = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            if !boundary {
                continue;
            }
            let mut segments = Vec::new();
            let mut rest = &line[at + start.len()..];
            // `super::super::x`
            let mut supers = usize::from(start == "super::");
            while let Some(r) = rest.strip_prefix("super::") {
                supers += 1;
                rest = r;
            }
            loop {
                let len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
                if len == 0 {
                    break;
                }
                segments.push(rest[..len].to_string());
                match rest[len..].strip_prefix("::") {
                    Some(r) => rest = r,
                    None => break,
                }
            }
            if start == "super::" {
                segments.insert(0, format!("super{supers}"));
            }
            // `a::{B, c::D}` on one line: one path per item, so that each resolves
            // through a facade on its own.
            let items = rest.strip_prefix('{').and_then(brace_items);
            match items {
                Some(items) if !items.is_empty() => {
                    for item in items {
                        let item = item.split(" as ").next().unwrap_or(item).trim();
                        let mut path = segments.clone();
                        path.extend(item.split("::").filter(|s| *s != "self").map(str::to_string));
                        out.push((start == "crate::", path));
                    }
                }
                _ => out.push((start == "crate::", segments)),
            }
        }
    }
    out
}

/// The file's lines with their 0-based numbers, a `use` statement that spans lines
/// joined into one (so that its `{…}` group is read item by item).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (number, line) in text.lines().enumerate() {
        if open && let Some(last) = out.last_mut() {
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            out.push((number, line.to_string()));
            let code = line.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub ");
            open = code.starts_with("use ");
        }
        open = open && !line.contains(';');
    }
    out
}

/// The items of a `{…}` group that closes on the same line, split at top-level commas
/// (nested groups are kept whole, as their prefix).
fn brace_items(text: &str) -> Option<Vec<&str>> {
    let mut depth = 0;
    let mut items = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[start..i]);
                return Some(
                    items
                        .into_iter()
                        .map(|i| i.trim().split("::{").next().unwrap_or(i))
                        .filter(|i| !i.is_empty())
                        .collect(),
                );
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// For each split module, child or item name → what it is, from its `mod.rs`:
/// `pub mod model;` maps `model` to itself, `pub use model::{Schema, Table};` maps
/// `Schema` and `Table` to `model`, `pub use crate::a::b::X;` maps `X` to `a::b`. Glob
/// re-exports are not followed.
fn facades(src: &Path) -> Facades {
    let mut out = BTreeMap::new();
    let parents: BTreeSet<&str> =
        SPLIT.iter().copied().chain(SPLIT_CHILDREN.iter().map(|(p, _)| *p)).collect();
    for parent in parents {
        let dir = parent.split("::").fold(src.to_path_buf(), |dir, part| dir.join(part));
        let text = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
        let mut names = BTreeMap::new();
        // Statements, not lines: a `pub use` may span lines.
        for statement in text.split(';') {
            let Some(last) = statement.lines().map(str::trim).rfind(|l| !l.is_empty()) else { continue };
            let decl = last.trim_start_matches("pub(crate) ").trim_start_matches("pub ");
            if let Some(module) = decl.strip_prefix("mod ") {
                names.insert(module.trim().to_string(), Export::Child(module.trim().to_string()));
            }
            let Some(pos) = statement.find("pub use ") else { continue };
            let used = statement[pos + "pub use ".len()..].trim();
            // `a::b::{X, Y}` or `a::b::X`: the module part, then the items.
            let (module, items) = match used.find("::{") {
                Some(brace) => (&used[..brace], used[brace + 3..].trim_end_matches('}')),
                None => used.rsplit_once("::").unwrap_or(("", used)),
            };
            let export = match module.strip_prefix("crate::") {
                Some(path) => Export::Elsewhere(path.split("::").map(str::to_string).collect()),
                None => Export::Child(module.split("::").next().unwrap_or(module).to_string()),
            };
            for item in items.split(',').map(str::trim).filter(|i| !i.is_empty() && *i != "*") {
                let name = item.rsplit("::").next().unwrap_or(item).split(" as ").last().unwrap_or(item);
                names.insert(name.trim().to_string(), export.clone());
            }
        }
        out.insert(parent.to_string(), names);
    }
    out
}

#[test]
fn modules_depend_on_each_other_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let facades = facades(&src);
    // unit → unit → where
    let mut edges: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for file in &files {
        let module = module_path(&src, file);
        let Some(from) = unit_of(&module, &facades) else { continue };
        if EXEMPT.contains(&from.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let lines = logical_lines(&text);
        for (index, (number, line)) in lines.iter().enumerate() {
            let number = *number;
            let code = line.trim_start();
            let next = lines.get(index + 1).map_or("", |l| l.1.trim_start());
            if code.starts_with("#[cfg(test)]") && next.starts_with("mod ") {
                break; // the unit tests sit at the end of their file
            }
            if code.starts_with("//") {
                continue;
            }
            let code = code.split(" // ").next().unwrap_or(code);
            for (absolute, segments) in paths_in(code) {
                let target: Vec<String> = if absolute {
                    segments
                } else {
                    // `super` of `a/b.rs` (module `a::b`) is `a`; of `a/mod.rs`, the root.
                    let ups: usize = segments[0].trim_start_matches("super").parse().unwrap();
                    let base_len = module.len().saturating_sub(ups);
                    module[..base_len].iter().cloned().chain(segments[1..].iter().cloned()).collect()
                };
                let Some(to) = unit_of(&target, &facades) else { continue };
                if to == from || EXEMPT.contains(&to.as_str()) || from.starts_with(&format!("{to}::")) {
                    continue;
                }
                let at = format!("{}:{}", file.strip_prefix(&src).unwrap().display(), number + 1);
                let places = edges.entry(from.clone()).or_default().entry(to).or_default();
                if !places.contains(&at) {
                    places.push(at);
                }
            }
        }
    }
    let cycles = strongly_connected(&edges);
    let mut report = String::new();
    for cycle in &cycles {
        report.push_str(&format!("cycle between {}:\n", cycle.join(", ")));
        for from in cycle {
            for (to, places) in &edges[from] {
                if cycle.contains(to) {
                    report.push_str(&format!("  {from} -> {to}: {}\n", places.join(", ")));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "module dependency cycles (see ARCHITECTURE.md, Module layers):\n{report}");
    // The test sees what it should: the layers the architecture names are there.
    for (from, to) in [
        ("ops", "schema::model"),
        ("dialect", "ops"),
        ("reflect::catalog", "dialect"),
        ("autogen", "reflect::filter"),
        ("cli", DRIVERS),
        (DRIVERS, "reflect::catalog"),
        (DRIVERS, "runtime::connection::backend"),
        ("runtime::migrate", DRIVERS),
    ] {
        assert!(
            edges.get(from).is_some_and(|e| e.contains_key(to)),
            "expected {from} to depend on {to}; the scan missed paths. Edges: {edges:#?}"
        );
    }
}

/// Tarjan's strongly connected components of more than one unit.
fn strongly_connected(edges: &BTreeMap<String, BTreeMap<String, Vec<String>>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeMap<String, Vec<String>>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(targets) = s.edges.get(v) {
            for w in targets.keys() {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}
