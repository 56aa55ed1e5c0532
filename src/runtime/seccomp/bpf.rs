//! A tiny assembler for the classic-BPF subset seccomp filters use.
//!
//! Code is written with symbolic labels; [`Assembler::finish`] lays it out. Classic BPF only
//! jumps forward, and a conditional jump reaches at most 255 instructions, so a conditional jump
//! whose target ends up farther away is rewritten into a short jump over two unconditional ones
//! (`ja` has a 32-bit offset). Rewriting lengthens the code and can push other jumps out of
//! range, so layout repeats until nothing changes; jumps only ever grow, so this terminates.

use anyhow::{Result, bail};
use libc::sock_filter;

// Opcode parts, from linux/bpf_common.h.
const BPF_LD: u16 = 0x00;
const BPF_ALU: u16 = 0x04;
const BPF_JMP: u16 = 0x05;
const BPF_RET: u16 = 0x06;
const BPF_W: u16 = 0x00;
const BPF_ABS: u16 = 0x20;
const BPF_AND: u16 = 0x50;
const BPF_JA: u16 = 0x00;
const BPF_JEQ: u16 = 0x10;
const BPF_JGT: u16 = 0x20;
const BPF_JGE: u16 = 0x30;
const BPF_K: u16 = 0x00;

/// The kernel's limit on a filter's length (BPF_MAXINSNS).
pub(super) const MAX_INSTRUCTIONS: usize = 4096;

/// Farthest a conditional jump reaches: its offsets are 8 bits.
const MAX_SHORT_JUMP: usize = u8::MAX as usize;

/// A position in the code, bound with [`Assembler::bind`]; jumps to it are resolved at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Label(usize);

/// Unsigned comparisons of the accumulator with a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmp {
    Eq,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    /// A = the 32-bit word at this offset of `struct seccomp_data`.
    Load(u32),
    /// A &= constant.
    And(u32),
    /// Return this seccomp action.
    Ret(u32),
    Jump {
        cmp: Cmp,
        k: u32,
        yes: Label,
        no: Label,
    },
    Goto(Label),
}

#[derive(Default)]
pub(super) struct Assembler {
    ops: Vec<Op>,
    /// For each label, the index in `ops` of the op it is bound to.
    labels: Vec<Option<usize>>,
}

impl Assembler {
    pub(super) fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Binds `label` to the next op emitted.
    pub(super) fn bind(&mut self, label: Label) {
        self.labels[label.0] = Some(self.ops.len());
    }

    pub(super) fn load(&mut self, offset: u32) {
        self.ops.push(Op::Load(offset));
    }

    pub(super) fn and(&mut self, mask: u32) {
        self.ops.push(Op::And(mask));
    }

    pub(super) fn ret(&mut self, action: u32) {
        self.ops.push(Op::Ret(action));
    }

    /// Goes to `yes` if `A <cmp> k`, else to `no`.
    pub(super) fn jump(&mut self, cmp: Cmp, k: u32, yes: Label, no: Label) {
        self.ops.push(Op::Jump { cmp, k, yes, no });
    }

    pub(super) fn goto(&mut self, target: Label) {
        self.ops.push(Op::Goto(target));
    }

    /// Lays the code out and encodes it.
    pub(super) fn finish(self) -> Result<Vec<sock_filter>> {
        let mut long = vec![false; self.ops.len()];
        let starts = loop {
            let starts = self.layout(&long);
            let mut grew = false;
            for (i, op) in self.ops.iter().enumerate() {
                if let Op::Jump { yes, no, .. } = *op
                    && !long[i]
                {
                    let next = starts[i] + 1;
                    if self.distance(&starts, next, yes)? > MAX_SHORT_JUMP
                        || self.distance(&starts, next, no)? > MAX_SHORT_JUMP
                    {
                        long[i] = true;
                        grew = true;
                    }
                }
            }
            if !grew {
                break starts;
            }
        };

        let mut code = Vec::with_capacity(starts[self.ops.len()]);
        for (i, op) in self.ops.iter().enumerate() {
            let next = starts[i] + 1;
            match *op {
                Op::Load(offset) => code.push(stmt(BPF_LD | BPF_W | BPF_ABS, offset)),
                Op::And(mask) => code.push(stmt(BPF_ALU | BPF_AND | BPF_K, mask)),
                Op::Ret(action) => code.push(stmt(BPF_RET | BPF_K, action)),
                Op::Goto(target) => {
                    let offset = self.distance(&starts, next, target)?;
                    code.push(stmt(BPF_JMP | BPF_JA, u32::try_from(offset)?));
                }
                Op::Jump { cmp, k, yes, no } if long[i] => {
                    // jX k ? (ja yes) : (ja no)
                    code.push(jump(cmp, k, 0, 1));
                    let to_yes = self.distance(&starts, next + 1, yes)?;
                    code.push(stmt(BPF_JMP | BPF_JA, u32::try_from(to_yes)?));
                    let to_no = self.distance(&starts, next + 2, no)?;
                    code.push(stmt(BPF_JMP | BPF_JA, u32::try_from(to_no)?));
                }
                Op::Jump { cmp, k, yes, no } => {
                    let to_yes = u8::try_from(self.distance(&starts, next, yes)?)?;
                    let to_no = u8::try_from(self.distance(&starts, next, no)?)?;
                    code.push(jump(cmp, k, to_yes, to_no));
                }
            }
        }
        Ok(code)
    }

    /// Start of each op in instructions, plus the total length at the end.
    fn layout(&self, long: &[bool]) -> Vec<usize> {
        let mut starts = Vec::with_capacity(self.ops.len() + 1);
        let mut at = 0;
        for (op, &long) in self.ops.iter().zip(long) {
            starts.push(at);
            at += match op {
                Op::Jump { .. } if long => 3,
                _ => 1,
            };
        }
        starts.push(at);
        starts
    }

    /// How many instructions a jump executed just before `from` skips to reach `target`.
    fn distance(&self, starts: &[usize], from: usize, target: Label) -> Result<usize> {
        let Some(op) = self.labels[target.0] else {
            bail!(
                "internal error in the seccomp compiler: BPF label {} was never bound",
                target.0
            );
        };
        if op >= self.ops.len() {
            bail!(
                "internal error in the seccomp compiler: BPF label {} is past the end",
                target.0
            );
        }
        match starts[op].checked_sub(from) {
            Some(distance) => Ok(distance),
            None => bail!("internal error in the seccomp compiler: BPF jump backwards"),
        }
    }
}

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(cmp: Cmp, k: u32, jt: u8, jf: u8) -> sock_filter {
    let cmp = match cmp {
        Cmp::Eq => BPF_JEQ,
        Cmp::Gt => BPF_JGT,
        Cmp::Ge => BPF_JGE,
    };
    sock_filter {
        code: BPF_JMP | cmp | BPF_K,
        jt,
        jf,
        k,
    }
}

/// Runs a program on one `struct seccomp_data`, for tests: the subset of classic BPF that
/// [`Assembler`] emits, with the kernel's checks (forward jumps in bounds, no falling off the end).
#[cfg(test)]
pub(super) fn run(code: &[sock_filter], data: &[u8]) -> u32 {
    let mut acc: u32 = 0;
    let mut pc = 0usize;
    loop {
        let insn = code[pc];
        pc += 1;
        match insn.code {
            c if c == BPF_LD | BPF_W | BPF_ABS => {
                let at = insn.k as usize;
                acc = u32::from_ne_bytes(data[at..at + 4].try_into().expect("4 bytes"));
            }
            c if c == BPF_ALU | BPF_AND | BPF_K => acc &= insn.k,
            c if c == BPF_RET | BPF_K => return insn.k,
            c if c == BPF_JMP | BPF_JA => pc += insn.k as usize,
            c => {
                let taken = match c & 0xf0 {
                    BPF_JEQ => acc == insn.k,
                    BPF_JGT => acc > insn.k,
                    BPF_JGE => acc >= insn.k,
                    _ => panic!("unexpected opcode {c:#x}"),
                };
                pc += usize::from(if taken { insn.jt } else { insn.jf });
            }
        }
        assert!(pc < code.len(), "fell off the end of the program");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(word0: u32) -> [u8; 64] {
        let mut d = [0u8; 64];
        d[..4].copy_from_slice(&word0.to_ne_bytes());
        d
    }

    #[test]
    fn short_jumps_are_single_instructions() {
        let mut asm = Assembler::default();
        let (yes, no) = (asm.label(), asm.label());
        asm.load(0);
        asm.jump(Cmp::Eq, 7, yes, no);
        asm.bind(no);
        asm.ret(1);
        asm.bind(yes);
        asm.ret(2);
        let code = asm.finish().unwrap();
        assert_eq!(code.len(), 4);
        assert_eq!((code[1].jt, code[1].jf), (1, 0));
        assert_eq!(run(&code, &data(7)), 2);
        assert_eq!(run(&code, &data(8)), 1);
    }

    #[test]
    fn far_targets_get_long_jumps_and_still_land_right() {
        let mut asm = Assembler::default();
        let (yes, no) = (asm.label(), asm.label());
        asm.load(0);
        asm.jump(Cmp::Ge, 100, yes, no);
        asm.bind(no);
        for _ in 0..300 {
            asm.ret(1);
        }
        asm.bind(yes);
        asm.ret(2);
        let code = asm.finish().unwrap();
        assert_eq!(code.len(), 1 + 3 + 300 + 1);
        assert_eq!(run(&code, &data(100)), 2);
        assert_eq!(run(&code, &data(99)), 1);
    }

    #[test]
    fn growth_that_pushes_another_jump_out_of_range_is_handled() {
        // The first jump is just in range until the second one grows by two instructions.
        let mut asm = Assembler::default();
        let (a_yes, a_no, b_yes, b_no) = (asm.label(), asm.label(), asm.label(), asm.label());
        asm.load(0);
        asm.jump(Cmp::Eq, 1, a_yes, a_no);
        asm.bind(a_no);
        asm.jump(Cmp::Eq, 2, b_yes, b_no);
        asm.bind(b_no);
        for _ in 0..253 {
            asm.ret(10);
        }
        asm.bind(a_yes);
        asm.ret(11);
        for _ in 0..10 {
            asm.ret(12);
        }
        asm.bind(b_yes);
        asm.ret(13);
        let code = asm.finish().unwrap();
        assert_eq!(run(&code, &data(1)), 11);
        assert_eq!(run(&code, &data(2)), 13);
        assert_eq!(run(&code, &data(3)), 10);
    }

    #[test]
    fn unbound_and_backward_labels_are_errors_not_panics() {
        let mut asm = Assembler::default();
        let nowhere = asm.label();
        asm.goto(nowhere);
        assert!(
            asm.finish()
                .unwrap_err()
                .to_string()
                .contains("never bound")
        );

        let mut asm = Assembler::default();
        let start = asm.label();
        asm.bind(start);
        asm.ret(0);
        asm.goto(start);
        assert!(asm.finish().unwrap_err().to_string().contains("backwards"));
    }
}
