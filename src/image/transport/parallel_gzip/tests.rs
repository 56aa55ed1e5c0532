use std::io::{Read, Write};

use flate2::Compression;

use super::*;

/// xorshift64: random-looking bytes without a dependency.
pub(super) fn noise(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Text-like input: words from a small vocabulary, compressible but not trivially.
fn words(len: usize) -> Vec<u8> {
    let vocabulary = [
        "lib", "usr/", "share", ".so.6", "python3", "\n", "doc", "-", "x86_64",
    ];
    let picks = noise(len, 11);
    let mut out = Vec::with_capacity(len + 16);
    for pick in picks {
        out.extend_from_slice(vocabulary[usize::from(pick) % vocabulary.len()].as_bytes());
        if out.len() >= len {
            break;
        }
    }
    out.truncate(len);
    out
}

fn gzip(data: &[u8], threads: usize, write_size: usize) -> Vec<u8> {
    let pool = GzipPool::new(threads).unwrap();
    let mut encoder = ParallelGzEncoder::new(Vec::new(), Compression::new(4), pool).unwrap();
    for piece in data.chunks(write_size.max(1)) {
        encoder.write_all(piece).unwrap();
    }
    encoder.finish().unwrap()
}

/// Decodes exactly ONE gzip member (checking its CRC-32 and length) and returns it with
/// whatever follows the member.
fn gunzip_one_member(gz: &[u8]) -> (Vec<u8>, usize) {
    let mut rest = gz;
    let mut out = Vec::new();
    flate2::bufread::GzDecoder::new(&mut rest)
        .read_to_end(&mut out)
        .unwrap();
    (out, rest.len())
}

#[test]
fn output_is_one_gzip_member_holding_the_input() {
    let mixed = [words(BLOCK + 300_000), noise(BLOCK * 2, 1), words(500_000)].concat();
    for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, mixed.len()] {
        let data = &mixed[..len];
        let (back, trailing) = gunzip_one_member(&gzip(data, 2, 100_000));
        assert_eq!(trailing, 0, "input of {len} bytes: more than one member");
        assert!(back == data, "input of {len} bytes did not round-trip");
    }
}

#[test]
fn output_depends_neither_on_write_sizes_nor_on_threads() {
    let data = [words(BLOCK * 2), noise(BLOCK, 2), words(123_456)].concat();
    let reference = gzip(&data, 1, data.len());
    assert!(gzip(&data, 3, 7_777) == reference);
    assert!(gzip(&data, 2, BLOCK + 5) == reference);
}

#[test]
fn blocks_see_the_previous_block_as_their_dictionary() {
    // A 16 KiB random pattern repeated: one stream sends it once, then only matches. Blocks
    // without the previous block's tail would each send it again (16 KiB per block).
    let data = noise(16 << 10, 4).repeat(256);
    let parallel = gzip(&data, 2, 65_536).len();
    let mut serial = flate2::write::GzEncoder::new(Vec::new(), Compression::new(4));
    serial.write_all(&data).unwrap();
    let serial = serial.finish().unwrap().len();
    assert!(
        parallel < serial + 1024,
        "parallel {parallel} bytes, serial {serial}"
    );
}

#[test]
fn incompressible_blocks_are_stored_with_little_overhead() {
    let data = noise(3 * BLOCK + 17, 6);
    let gz = gzip(&data, 2, BLOCK);
    assert!(
        gz.len() < data.len() + data.len() / 1000,
        "{} bytes",
        gz.len()
    );
    assert!(gunzip_one_member(&gz).0 == data);
}

#[test]
fn stored_blocks_split_at_65535_bytes_and_mark_the_last() {
    let data = vec![7u8; 70_000];
    let out = pool::stored(&data, true, Vec::new());
    assert_eq!(out.len(), 70_000 + 2 * 5);
    assert_eq!(out[0], 0, "first block must not be final");
    assert_eq!(&out[1..5], &[0xff, 0xff, 0, 0]);
    assert_eq!(out[5 + 65_535], 1, "second block must be final");
    assert_eq!(
        pool::stored(&[], true, Vec::new()),
        vec![1, 0, 0, 0xff, 0xff]
    );
}

#[test]
fn an_unfinished_encoder_leaves_the_shared_pool_usable() {
    let pool = GzipPool::shared().unwrap();
    let mut abandoned =
        ParallelGzEncoder::new(Vec::new(), Compression::new(4), Arc::clone(&pool)).unwrap();
    abandoned.write_all(&words(3 * BLOCK + 10)).unwrap();
    drop(abandoned);
    let data = words(2 * BLOCK + 3);
    let mut encoder = ParallelGzEncoder::new(Vec::new(), Compression::new(4), pool).unwrap();
    encoder.write_all(&data).unwrap();
    assert!(gunzip_one_member(&encoder.finish().unwrap()).0 == data);
}
