//! Spotting input deflate cannot shrink (compressed or encrypted files, random data), so it is
//! stored as is instead of searched for matches that are not there: zlib spends as long on
//! such bytes as on text, for an output a few bytes longer than the input. Deflate gains in two
//! ways, both checked: Huffman codes (none when the bytes are near-uniformly distributed) and
//! back-references (none when strings do not recur within its 32 KiB window).

/// Deflate's window: how far back a match may reach.
const WINDOW: usize = 32 << 10;
/// Bytes looked at first: most blocks are ruled out by this sample alone.
const SAMPLE: usize = 64 << 10;
/// Order-0 entropy (bits per byte) above which Huffman coding gains under 0.2%, less than the
/// code tables it must send; the sample's threshold is lower, as a small sample of uniformly
/// random bytes reads lower than its source.
const SAMPLE_BITS: f64 = 7.98;
const BLOCK_BITS: f64 = 7.99;
/// Positions per repeat above which back-references would gain something: in uniformly random
/// bytes, 4 bytes recur within the window at about 8 positions per MiB; a thousand 4-byte
/// matches save about 0.1%.
const POSITIONS_PER_REPEAT: usize = 1024;
/// Repeats are counted in this many [`SAMPLE`]-long slices spread over the block, not in all
/// of it: a match finder's pass costs several times the entropy count, and a block whose bytes
/// are flat throughout but repeat only between the slices is rare (and then merely stored).
const REPEAT_SLICES: usize = 4;

/// True when `data` is long enough to judge, its byte distribution is so flat that Huffman
/// coding cannot shrink it, and next to none of its strings recur within deflate's window.
pub fn looks_incompressible(data: &[u8]) -> bool {
    data.len() >= SAMPLE
        && bits_per_byte(&data[..SAMPLE]) > SAMPLE_BITS
        && bits_per_byte(data) > BLOCK_BITS
        && sampled_repeats(data) <= REPEAT_SLICES * SAMPLE / POSITIONS_PER_REPEAT
}

/// [`window_repeats`] summed over [`REPEAT_SLICES`] slices of [`SAMPLE`] bytes spread from the
/// start to the end of `data` (at least [`SAMPLE`] long; in short blocks they overlap).
fn sampled_repeats(data: &[u8]) -> usize {
    let last = data.len() - SAMPLE;
    (0..REPEAT_SLICES)
        .map(|i| {
            let start = last * i / (REPEAT_SLICES - 1);
            window_repeats(&data[start..start + SAMPLE])
        })
        .sum()
}

/// How many positions of `data` start 4 bytes seen at most [`WINDOW`] bytes before: a match
/// finder with one candidate per hash bucket, enough to tell "some" from "next to none". Each
/// bucket keeps the candidate's position (plus one, so 0 is empty) and its 4 bytes.
fn window_repeats(data: &[u8]) -> usize {
    const HASH_BITS: u32 = 15;
    let mut candidates = vec![0u64; 1 << HASH_BITS];
    let mut repeats = 0;
    for (i, four) in data.windows(4).enumerate() {
        let value = u32::from_le_bytes([four[0], four[1], four[2], four[3]]);
        let bucket = (value.wrapping_mul(0x9e37_79b1) >> (32 - HASH_BITS)) as usize;
        let candidate = candidates[bucket];
        let position = (candidate >> 32) as usize;
        if position != 0 && candidate as u32 == value && i + 1 - position <= WINDOW {
            repeats += 1;
        }
        candidates[bucket] = ((i as u64 + 1) << 32) | u64::from(value);
    }
    repeats
}

/// Shannon entropy of the byte distribution of `data` (non-empty), in bits per byte. Four
/// tables of counts, so consecutive equal bytes do not wait on each other's increment.
fn bits_per_byte(data: &[u8]) -> f64 {
    let mut tables = [[0u64; 256]; 4];
    let mut quads = data.chunks_exact(4);
    for quad in &mut quads {
        for (table, &byte) in tables.iter_mut().zip(quad) {
            table[usize::from(byte)] += 1;
        }
    }
    for &byte in quads.remainder() {
        tables[0][usize::from(byte)] += 1;
    }
    let total = data.len() as f64;
    (0..256)
        .map(|b| tables.iter().map(|t| t[b]).sum::<u64>())
        .filter(|&c| c > 0)
        .map(|c| {
            let p = c as f64 / total;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::transport::parallel_gzip::tests::noise;

    #[test]
    fn random_bytes_are_incompressible() {
        assert!(looks_incompressible(&noise(1 << 20, 7)));
    }

    #[test]
    fn text_binaries_and_mixtures_are_compressed() {
        let text = b"/usr/lib/x86_64-linux-gnu/libc.so.6 ".repeat(30_000);
        assert!(!looks_incompressible(&text));
        // The sample (noise) passes, the whole block (a fifth zeros) does not.
        let noise_then_zeros = [noise(824 << 10, 3), vec![0u8; 200 << 10]].concat();
        assert!(!looks_incompressible(&noise_then_zeros));
        // Noise over half the byte values has 7 bits of entropy: Huffman coding shrinks it.
        let seven_bits: Vec<u8> = noise(1 << 20, 5).iter().map(|b| b & 0x7f).collect();
        assert!(!looks_incompressible(&seven_bits));
    }

    #[test]
    fn random_strings_repeated_within_the_window_are_compressed() {
        let repeated = noise(30 << 10, 8).repeat(34);
        assert!(bits_per_byte(&repeated) > BLOCK_BITS);
        assert!(!looks_incompressible(&repeated));
        // Repeats further back than the window are out of deflate's reach.
        let far = noise(40 << 10, 10).repeat(25);
        assert!(looks_incompressible(&far));
    }

    #[test]
    fn short_input_is_not_judged() {
        assert!(!looks_incompressible(&noise(SAMPLE - 1, 9)));
    }
}
