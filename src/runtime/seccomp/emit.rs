//! Code generation: a checked [`Filter`] to a classic-BPF program.
//!
//! Shape of the program:
//!
//! ```text
//!   A = arch; one `jeq` per ABI's AUDIT_ARCH value, else return BAD_ARCH_ACTION
//! per ABI:
//!   A = nr; (x86_64: nr >= __X32_SYSCALL_BIT goes to the x32 section, or BAD_ARCH_ACTION)
//!   binary search over syscall-number ranges; each leaf returns an action or jumps to a body
//!   bodies: the argument rules of one syscall, first match wins, else the default action
//! ```
//!
//! Ranges of neighbouring numbers with the same outcome are merged before the search is built,
//! so a syscall costs about log2(ranges) comparisons, and the program stays around 700
//! instructions for podman's profile on x86_64 with its x86 and x32 sections (libseccomp emits
//! about 1150 for the same rules).
//!
//! Several rules for one syscall combine like libseccomp: the first rule without conditions
//! decides alone; otherwise the conditional rules are tried in profile order. (libseccomp orders
//! overlapping conditional rules its own way; the profiles in use never overlap with different
//! actions.)

use anyhow::Result;
use libc::sock_filter;
use oci_spec::runtime::LinuxSeccompOperator as Operator;

use super::arch::{Arch, KnownSyscall, X32_SYSCALL_BIT};
use super::bpf::{Assembler, Cmp, Label};
use super::filter::{BAD_ARCH_ACTION, Condition, Filter};

// Offsets in `struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }`.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARGS: u32 = 16;

/// What a range of syscall numbers leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Return(u32),
    /// Index into the section's bodies.
    Body(usize),
}

/// One ABI's syscalls: number ranges, and the argument-checking bodies they may jump to.
struct Section {
    arch: Arch,
    /// (first number, outcome), ascending; each range ends where the next begins.
    ranges: Vec<(u32, Outcome)>,
    /// Each body is a list of rule indices, tried in order.
    bodies: Vec<Vec<usize>>,
}

pub(super) fn emit(filter: &Filter) -> Result<Vec<sock_filter>> {
    // (rule index, syscall) for every name the tables know, looked up once for all ABIs.
    let named: Vec<(usize, KnownSyscall)> = filter
        .rules
        .iter()
        .enumerate()
        .flat_map(|(index, rule)| {
            rule.names
                .iter()
                .filter_map(move |name| Some((index, KnownSyscall::lookup(name)?)))
        })
        .collect();
    let sections: Vec<Section> = filter
        .arches
        .iter()
        .map(|&a| Section::new(filter, &named, a))
        .collect();
    let mut asm = Assembler::default();
    let entry: Vec<Label> = sections.iter().map(|_| asm.label()).collect();

    asm.load(OFFSET_ARCH);
    for (section, &label) in sections.iter().zip(&entry) {
        // x32 shares x86_64's AUDIT_ARCH value; the x86_64 section sends it on.
        if section.arch != Arch::X32 {
            let next = asm.label();
            asm.jump(Cmp::Eq, section.arch.audit_arch(), label, next);
            asm.bind(next);
        }
    }
    asm.ret(BAD_ARCH_ACTION);

    let x32_entry = sections
        .iter()
        .position(|s| s.arch == Arch::X32)
        .map(|i| entry[i]);
    for (section, &label) in sections.iter().zip(&entry) {
        asm.bind(label);
        asm.load(OFFSET_NR);
        if section.arch == Arch::X86_64 {
            // Without this, x32 numbers would be looked up as x86_64 ones and slip through.
            let native = asm.label();
            if let Some(x32) = x32_entry {
                asm.jump(Cmp::Ge, X32_SYSCALL_BIT, x32, native);
            } else {
                let reject = asm.label();
                asm.jump(Cmp::Ge, X32_SYSCALL_BIT, reject, native);
                asm.bind(reject);
                asm.ret(BAD_ARCH_ACTION);
            }
            asm.bind(native);
        }
        let bodies: Vec<Label> = section.bodies.iter().map(|_| asm.label()).collect();
        emit_search(&mut asm, &section.ranges, &bodies);
        for (rules, &label) in section.bodies.iter().zip(&bodies) {
            asm.bind(label);
            for &rule in rules {
                let rule = &filter.rules[rule];
                let next_rule = asm.label();
                for condition in &rule.conditions {
                    emit_condition(
                        &mut asm,
                        condition,
                        section.arch.has_64bit_args(),
                        next_rule,
                    );
                }
                asm.ret(rule.action);
                asm.bind(next_rule);
            }
            asm.ret(filter.default_action);
        }
    }
    asm.finish()
}

impl Section {
    fn new(filter: &Filter, named: &[(usize, KnownSyscall)], arch: Arch) -> Section {
        // (number, rule index), sorted: each syscall's rules together, in profile order.
        let mut numbered: Vec<(u32, usize)> = named
            .iter()
            .filter_map(|&(rule, syscall)| Some((arch.number(syscall)?, rule)))
            .collect();
        numbered.sort_unstable();
        numbered.dedup();

        let mut bodies: Vec<Vec<usize>> = Vec::new();
        let mut ranges = Ranges::new(arch, Outcome::Return(filter.default_action));
        for group in numbered.chunk_by(|a, b| a.0 == b.0) {
            let nr = group[0].0;
            let rules = group.iter().map(|&(_, rule)| rule);
            let unconditional = rules
                .clone()
                .find(|&r| filter.rules[r].conditions.is_empty());
            let outcome = match unconditional {
                Some(rule) => Outcome::Return(filter.rules[rule].action),
                None => {
                    // Syscalls with the same rules (one rule naming several) share a body.
                    let rules: Vec<usize> = rules.collect();
                    let body = match bodies.iter().position(|b| *b == rules) {
                        Some(existing) => existing,
                        None => {
                            bodies.push(rules);
                            bodies.len() - 1
                        }
                    };
                    Outcome::Body(body)
                }
            };
            ranges.set(nr, outcome);
        }
        Section {
            arch,
            ranges: ranges.finish(),
            bodies,
        }
    }
}

/// Builds the merged range list from outcomes set in ascending number order.
struct Ranges {
    ranges: Vec<(u32, Outcome)>,
    default: Outcome,
    /// First number not yet covered; u64 so that covering u32::MAX cannot overflow.
    next: u64,
    last: u64,
}

impl Ranges {
    fn new(arch: Arch, default: Outcome) -> Ranges {
        let (first, last) = arch.number_range();
        Ranges {
            ranges: Vec::new(),
            default,
            next: u64::from(first),
            last: u64::from(last),
        }
    }

    fn set(&mut self, nr: u32, outcome: Outcome) {
        let nr = u64::from(nr);
        if nr < self.next || nr > self.last {
            return; // outside this ABI's numbers (cannot happen with the generated tables)
        }
        if nr > self.next {
            self.push(self.next, self.default);
        }
        self.push(nr, outcome);
        self.next = nr + 1;
    }

    fn push(&mut self, start: u64, outcome: Outcome) {
        if self.ranges.last().map(|&(_, o)| o) != Some(outcome) {
            // start <= last <= u32::MAX
            self.ranges.push((start as u32, outcome));
        }
    }

    fn finish(mut self) -> Vec<(u32, Outcome)> {
        if self.next <= self.last {
            self.push(self.next, self.default);
        }
        self.ranges
    }
}

/// Binary search over `ranges`, whose first range is known to start at or below A.
fn emit_search(asm: &mut Assembler, ranges: &[(u32, Outcome)], bodies: &[Label]) {
    match ranges {
        [] => {}
        [(_, Outcome::Return(action))] => asm.ret(*action),
        [(_, Outcome::Body(body))] => asm.goto(bodies[*body]),
        _ => {
            let middle = ranges.len() / 2;
            let (lower, upper) = (asm.label(), asm.label());
            asm.jump(Cmp::Ge, ranges[middle].0, upper, lower);
            asm.bind(lower);
            emit_search(asm, &ranges[..middle], bodies);
            asm.bind(upper);
            emit_search(asm, &ranges[middle..], bodies);
        }
    }
}

/// Falls through if the condition holds, else jumps to `fail`. 64-bit values are compared as
/// two 32-bit halves, high half first; 32-bit ABIs compare only the low half (as libseccomp).
fn emit_condition(asm: &mut Assembler, c: &Condition, wide: bool, fail: Label) {
    let (hi, lo) = ((c.value >> 32) as u32, c.value as u32);
    let (two_hi, two_lo) = ((c.value_two >> 32) as u32, c.value_two as u32);
    let (offset_lo, offset_hi) = arg_offsets(c.arg);
    let pass = asm.label();

    if !wide {
        asm.load(offset_lo);
        match c.op {
            Operator::ScmpCmpEq => asm.jump(Cmp::Eq, lo, pass, fail),
            Operator::ScmpCmpNe => asm.jump(Cmp::Eq, lo, fail, pass),
            Operator::ScmpCmpGt => asm.jump(Cmp::Gt, lo, pass, fail),
            Operator::ScmpCmpGe => asm.jump(Cmp::Ge, lo, pass, fail),
            Operator::ScmpCmpLt => asm.jump(Cmp::Ge, lo, fail, pass),
            Operator::ScmpCmpLe => asm.jump(Cmp::Gt, lo, fail, pass),
            Operator::ScmpCmpMaskedEq => {
                asm.and(lo);
                asm.jump(Cmp::Eq, two_lo, pass, fail);
            }
        }
        asm.bind(pass);
        return;
    }

    let low_half = asm.label();
    asm.load(offset_hi);
    match c.op {
        Operator::ScmpCmpEq | Operator::ScmpCmpNe => {
            let (equal, unequal) = match c.op {
                Operator::ScmpCmpEq => (pass, fail),
                _ => (fail, pass),
            };
            asm.jump(Cmp::Eq, hi, low_half, unequal);
            asm.bind(low_half);
            asm.load(offset_lo);
            asm.jump(Cmp::Eq, lo, equal, unequal);
        }
        Operator::ScmpCmpGt | Operator::ScmpCmpGe | Operator::ScmpCmpLt | Operator::ScmpCmpLe => {
            // Decided by the high halves unless they are equal. LT and LE are the negations of
            // GE and GT: same code, outcomes swapped.
            let (above, below) = match c.op {
                Operator::ScmpCmpGt | Operator::ScmpCmpGe => (pass, fail),
                _ => (fail, pass),
            };
            let low_cmp = match c.op {
                Operator::ScmpCmpGt | Operator::ScmpCmpLe => Cmp::Gt,
                _ => Cmp::Ge,
            };
            let not_above = asm.label();
            asm.jump(Cmp::Gt, hi, above, not_above);
            asm.bind(not_above);
            asm.jump(Cmp::Eq, hi, low_half, below);
            asm.bind(low_half);
            asm.load(offset_lo);
            asm.jump(low_cmp, lo, above, below);
        }
        Operator::ScmpCmpMaskedEq => {
            asm.and(hi);
            asm.jump(Cmp::Eq, two_hi, low_half, fail);
            asm.bind(low_half);
            asm.load(offset_lo);
            asm.and(lo);
            asm.jump(Cmp::Eq, two_lo, pass, fail);
        }
    }
    asm.bind(pass);
}

/// Offsets of the low and high 32-bit halves of argument `arg` in `seccomp_data`.
fn arg_offsets(arg: u8) -> (u32, u32) {
    let start = OFFSET_ARGS + 8 * u32::from(arg);
    if cfg!(target_endian = "little") {
        (start, start + 4)
    } else {
        (start + 4, start)
    }
}
