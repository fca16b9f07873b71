//! `Drop`, `Clone`, `PartialEq` and `Debug` for [`Cond`] without recursion.
//!
//! Code can build a condition of any depth (`!(!(a & b) | c)` in a loop),
//! and derived impls recurse once per level: ten thousand levels overflow
//! the stack and abort the process. These walk the tree with an explicit
//! stack instead. Renderers still recurse, so the pipeline refuses a
//! condition deeper than [`MAX_COND_DEPTH`] before any backend sees it.

use std::fmt;

use crate::cond::Cond;

/// Deepest condition cormo runs (`And`/`Or`/`Not` levels, a leaf is 1);
/// deeper is an [`Error::Validation`](crate::Error::Validation) on every
/// backend. MongoDB takes documents nested at most 100 levels, and each
/// level of a condition is two levels of its filter document.
pub const MAX_COND_DEPTH: usize = 40;

impl Cond {
    /// The nesting depth (a leaf is 1), counted without recursion.
    pub fn depth(&self) -> usize {
        let mut max = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((c, d)) = stack.pop() {
            max = max.max(d);
            match c {
                Cond::And(list) | Cond::Or(list) => stack.extend(list.iter().map(|x| (x, d + 1))),
                Cond::Not(inner) => stack.push((inner, d + 1)),
                _ => {}
            }
        }
        max
    }

    /// Every leaf, visited without recursion.
    pub(crate) fn for_each_leaf<E>(
        &self,
        mut f: impl FnMut(&Cond) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut stack = vec![self];
        while let Some(c) = stack.pop() {
            match c {
                Cond::And(list) | Cond::Or(list) => stack.extend(list.iter()),
                Cond::Not(inner) => stack.push(inner),
                leaf => f(leaf)?,
            }
        }
        Ok(())
    }

    /// A copy of a leaf; `None` for `And`/`Or`/`Not`.
    fn clone_leaf(&self) -> Option<Cond> {
        Some(match self {
            Cond::True => Cond::True,
            Cond::False => Cond::False,
            Cond::Cmp { column, op, value } => Cond::Cmp {
                column,
                op: *op,
                value: value.clone(),
            },
            Cond::In { column, values } => Cond::In {
                column,
                values: values.clone(),
            },
            Cond::IsNull { column } => Cond::IsNull { column },
            Cond::Like { column, kind, text } => Cond::Like {
                column,
                kind: *kind,
                text: text.clone(),
            },
            Cond::Compare { lhs, op, rhs } => Cond::Compare {
                lhs: lhs.clone(),
                op: *op,
                rhs: rhs.clone(),
            },
            Cond::Regex {
                column,
                pattern,
                case_insensitive,
            } => Cond::Regex {
                column,
                pattern: pattern.clone(),
                case_insensitive: *case_insensitive,
            },
            Cond::And(_) | Cond::Or(_) | Cond::Not(_) => return None,
        })
    }
}

impl Drop for Cond {
    fn drop(&mut self) {
        // Detach the children into a flat list; each is dropped after its
        // own children were detached, so no drop recurses.
        let mut stack: Vec<Cond> = Vec::new();
        detach(self, &mut stack);
        while let Some(mut c) = stack.pop() {
            detach(&mut c, &mut stack);
        }
    }
}

fn detach(c: &mut Cond, out: &mut Vec<Cond>) {
    match c {
        Cond::And(list) | Cond::Or(list) => out.append(list),
        Cond::Not(inner) => out.push(inner.take()),
        _ => {}
    }
}

impl Clone for Cond {
    fn clone(&self) -> Self {
        // Post-order: visit children first, then build the node from the
        // last results.
        enum Step<'a> {
            Visit(&'a Cond),
            Build(&'a Cond),
        }
        let mut steps = vec![Step::Visit(self)];
        let mut built: Vec<Cond> = Vec::new();
        while let Some(step) = steps.pop() {
            match step {
                Step::Visit(c) => match c.clone_leaf() {
                    Some(leaf) => built.push(leaf),
                    None => {
                        steps.push(Step::Build(c));
                        match c {
                            Cond::And(list) | Cond::Or(list) => {
                                steps.extend(list.iter().rev().map(Step::Visit))
                            }
                            Cond::Not(inner) => steps.push(Step::Visit(inner)),
                            _ => {}
                        }
                    }
                },
                Step::Build(c) => {
                    let node = match c {
                        Cond::And(list) | Cond::Or(list) => {
                            let at = built.len().saturating_sub(list.len());
                            let kids = built.split_off(at);
                            if matches!(c, Cond::And(_)) {
                                Cond::And(kids)
                            } else {
                                Cond::Or(kids)
                            }
                        }
                        _ => Cond::Not(Box::new(built.pop().unwrap_or(Cond::True))),
                    };
                    built.push(node);
                }
            }
        }
        built.pop().unwrap_or(Cond::True)
    }
}

impl PartialEq for Cond {
    fn eq(&self, other: &Self) -> bool {
        let mut stack = vec![(self, other)];
        while let Some((a, b)) = stack.pop() {
            match (a, b) {
                (Cond::And(x), Cond::And(y)) | (Cond::Or(x), Cond::Or(y)) => {
                    if x.len() != y.len() {
                        return false;
                    }
                    stack.extend(x.iter().zip(y.iter()));
                }
                (Cond::Not(x), Cond::Not(y)) => stack.push((x, y)),
                (Cond::True, Cond::True) | (Cond::False, Cond::False) => {}
                (
                    Cond::Cmp {
                        column: c1,
                        op: o1,
                        value: v1,
                    },
                    Cond::Cmp {
                        column: c2,
                        op: o2,
                        value: v2,
                    },
                ) if c1 == c2 && o1 == o2 && v1 == v2 => {}
                (
                    Cond::In {
                        column: c1,
                        values: v1,
                    },
                    Cond::In {
                        column: c2,
                        values: v2,
                    },
                ) if c1 == c2 && v1 == v2 => {}
                (Cond::IsNull { column: c1 }, Cond::IsNull { column: c2 }) if c1 == c2 => {}
                (
                    Cond::Like {
                        column: c1,
                        kind: k1,
                        text: t1,
                    },
                    Cond::Like {
                        column: c2,
                        kind: k2,
                        text: t2,
                    },
                ) if c1 == c2 && k1 == k2 && t1 == t2 => {}
                (
                    Cond::Compare {
                        lhs: l1,
                        op: o1,
                        rhs: r1,
                    },
                    Cond::Compare {
                        lhs: l2,
                        op: o2,
                        rhs: r2,
                    },
                ) if l1 == l2 && o1 == o2 && r1 == r2 => {}
                (
                    Cond::Regex {
                        column: c1,
                        pattern: p1,
                        case_insensitive: i1,
                    },
                    Cond::Regex {
                        column: c2,
                        pattern: p2,
                        case_insensitive: i2,
                    },
                ) if c1 == c2 && p1 == p2 && i1 == i2 => {}
                _ => return false,
            }
        }
        true
    }
}

/// How deep `Debug` prints before writing `…`.
const DEBUG_DEPTH: usize = 16;

impl fmt::Debug for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug(self, f, 0)
    }
}

fn debug(c: &Cond, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
    if depth >= DEBUG_DEPTH {
        return f.write_str("…");
    }
    match c {
        Cond::True => f.write_str("True"),
        Cond::False => f.write_str("False"),
        Cond::Cmp { column, op, value } => write!(f, "Cmp({column} {op:?} {value:?})"),
        Cond::In { column, values } => write!(f, "In({column}, {} values)", values.len()),
        Cond::IsNull { column } => write!(f, "IsNull({column})"),
        Cond::Like { column, kind, text } => write!(f, "Like({column} {kind:?} {text:?})"),
        Cond::Compare { lhs, op, rhs } => write!(f, "Compare({lhs} {op:?} {rhs})"),
        Cond::Regex {
            column,
            pattern,
            case_insensitive,
        } => write!(
            f,
            "Regex({column} /{pattern}/{})",
            if *case_insensitive { "i" } else { "" }
        ),
        Cond::And(list) | Cond::Or(list) => {
            f.write_str(if matches!(c, Cond::And(_)) {
                "And["
            } else {
                "Or["
            })?;
            for (i, x) in list.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                debug(x, f, depth + 1)?;
            }
            f.write_str("]")
        }
        Cond::Not(inner) => {
            f.write_str("Not(")?;
            debug(inner, f, depth + 1)?;
            f.write_str(")")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn deep(levels: usize) -> Cond {
        let mut c = Cond::eq("a", Value::Int(1));
        for i in 0..levels {
            c = if i % 2 == 0 {
                !(c | Cond::eq("b", Value::Int(2)))
            } else {
                c & Cond::eq("c", Value::Int(3))
            };
        }
        c
    }

    #[test]
    fn deep_conditions_clone_compare_print_and_drop() {
        // Run on a small stack so a recursive impl would fail here.
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let c = deep(100_000);
                assert!(c.depth() > MAX_COND_DEPTH);
                let d = c.clone();
                assert!(c == d);
                assert!(format!("{d:?}").contains('…'));
                drop(c);
                drop(d);
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn clone_keeps_structure() {
        let c = deep(7);
        assert_eq!(c.clone(), c);
        assert_eq!(c.depth(), deep(7).depth());
        assert_ne!(deep(6), deep(7));
    }
}
