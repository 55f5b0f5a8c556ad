//! The crate's layering, read from its sources: no two files import each other, even
//! through others (a cycle makes every file in it depend on all the rest); `domain/`
//! and `ocpp/` import nothing else of the crate; the store imports neither `ocpp` nor
//! `security`. A file's imports are the `crate::` and `super::` paths it names before
//! its tests (`#[cfg(test)]`), each resolved to the file of the longest module prefix.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every source file by module path (`store::sql::db`; the crate root is "").
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(src)
                    .expect("under src")
                    .with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|l| l == "mod") {
                    parts.pop();
                }
                if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
                    parts.clear();
                }
                out.insert(parts.join("::"), path);
            }
        }
    }
    out
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths `text` names that start at `crate` or `super`, with `{a, b}` groups
/// opened one level (`crate::x::{a, b}` names `crate::x::a` and `crate::x::b`).
fn paths(text: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = ["crate", "super"].iter().any(|w| {
            let w: Vec<char> = w.chars().collect();
            chars[i..].starts_with(&w)
                && (i == 0 || !ident_char(chars[i - 1]))
                && chars.get(i + w.len()).is_some_and(|c| !ident_char(*c))
        });
        if !starts {
            i += 1;
            continue;
        }
        let mut path = Vec::new();
        let mut word = String::new();
        while i < chars.len() {
            let c = chars[i];
            if ident_char(c) {
                word.push(c);
                i += 1;
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                path.push(std::mem::take(&mut word));
                i += 2;
                if chars.get(i) == Some(&'{') {
                    let end = chars[i..]
                        .iter()
                        .position(|c| *c == '}')
                        .map_or(chars.len(), |e| i + e);
                    let group: String = chars[i + 1..end].iter().collect();
                    for item in group.split(',') {
                        let first = item
                            .trim()
                            .split("::")
                            .next()
                            .unwrap_or("")
                            .split(' ')
                            .next()
                            .unwrap_or("");
                        let mut p = path.clone();
                        if !first.is_empty() && first != "self" {
                            p.push(first.to_owned());
                        }
                        out.push(p);
                    }
                    i = end;
                    path.clear();
                    break;
                }
            } else {
                break;
            }
        }
        if !path.is_empty() || !word.is_empty() {
            if !word.is_empty() {
                path.push(word);
            }
            out.push(path);
        }
    }
    out
}

/// Which files each file imports.
fn imports(mods: &BTreeMap<String, PathBuf>) -> BTreeMap<String, BTreeSet<String>> {
    let owner = |parts: &[String]| -> Option<String> {
        (1..=parts.len())
            .rev()
            .map(|n| parts[..n].join("::"))
            .find(|m| mods.contains_key(m))
    };
    let mut edges = BTreeMap::new();
    for (module, file) in mods {
        let text = std::fs::read_to_string(file).expect("source");
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        let here: Vec<String> = if module.is_empty() {
            Vec::new()
        } else {
            module.split("::").map(str::to_owned).collect()
        };
        // `super` of a `mod.rs` and of a plain file are both the parent module.
        let mut targets = BTreeSet::new();
        for p in paths(text) {
            let (mut base, mut rest) = match p.first().map(String::as_str) {
                Some("crate") => (Vec::new(), &p[1..]),
                _ => (here[..here.len().saturating_sub(1)].to_vec(), &p[1..]),
            };
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            if let Some(t) = owner(&base) {
                if !t.is_empty() && &t != module {
                    targets.insert(t);
                }
            }
        }
        edges.insert(module.clone(), targets);
    }
    edges
}

/// The groups of files that reach each other (Tarjan's strongly connected components),
/// larger than one file.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                group.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn crate_edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    imports(&modules(&src))
}

#[test]
fn no_two_files_import_each_other() {
    let found = cycles(&crate_edges());
    assert!(found.is_empty(), "import cycles: {found:#?}");
}

#[test]
fn the_checker_finds_a_cycle_and_reads_groups() {
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    edges.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    edges.insert("d".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(cycles(&edges), vec![vec!["a", "b", "c"]]);
    let p = paths("use crate::store::{sql, Store as S};\nsuper::super::x::y(1);");
    assert_eq!(
        p,
        vec![
            vec!["crate", "store", "sql"],
            vec!["crate", "store", "Store"],
            vec!["super", "super", "x", "y"],
        ]
    );
}

/// The modules of the crate a layer's files import, other than the layer's own.
fn outside_imports(layer: &str) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &str| m.split("::").next().unwrap_or("").to_owned();
    crate_edges()
        .into_iter()
        .filter(|(m, _)| top(m) == layer)
        .map(|(m, t)| {
            (
                m,
                t.into_iter()
                    .filter(|t| top(t) != layer)
                    .collect::<BTreeSet<_>>(),
            )
        })
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

#[test]
fn domain_and_ocpp_import_nothing_else_of_the_crate() {
    for layer in ["domain", "ocpp"] {
        let found = outside_imports(layer);
        assert!(found.is_empty(), "{layer} imports: {found:#?}");
    }
}

#[test]
fn the_store_imports_neither_ocpp_nor_security() {
    let found: BTreeMap<_, _> = outside_imports("store")
        .into_iter()
        .map(|(m, t)| {
            let bad: BTreeSet<_> = t
                .into_iter()
                .filter(|t| t.starts_with("ocpp") || t.starts_with("security"))
                .collect();
            (m, bad)
        })
        .filter(|(_, t)| !t.is_empty())
        .collect();
    assert!(found.is_empty(), "store imports: {found:#?}");
}
