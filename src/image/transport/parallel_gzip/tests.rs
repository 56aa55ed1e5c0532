use std::io::{Read, Write};

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
    let mut encoder = ParallelGzEncoder::new(Vec::new(), 2, pool).unwrap();
    for piece in data.chunks(write_size.max(1)) {
        encoder.write_all(piece).unwrap();
    }
    encoder.finish().unwrap()
}

/// As [`gzip`], fed by reading into the encoder's block (`space`/`took`) at most `read_size`
/// bytes at a time, as the push's pump does.
fn gzip_by_reading(data: &[u8], threads: usize, read_size: usize) -> Vec<u8> {
    let pool = GzipPool::new(threads).unwrap();
    let mut encoder = ParallelGzEncoder::new(Vec::new(), 2, pool).unwrap();
    let mut rest = data;
    while !rest.is_empty() {
        let space = encoder.space();
        let n = space.len().min(read_size).min(rest.len());
        space[..n].copy_from_slice(&rest[..n]);
        encoder.took(n).unwrap();
        rest = &rest[n..];
    }
    encoder.finish().unwrap()
}

/// Decodes every member (checking each one's CRC-32 and length).
fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::bufread::MultiGzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The decoded lengths of the members of `gz`, one by one.
fn member_lengths(mut gz: &[u8]) -> Vec<usize> {
    let mut lengths = Vec::new();
    while !gz.is_empty() {
        let mut out = Vec::new();
        flate2::bufread::GzDecoder::new(&mut gz)
            .read_to_end(&mut out)
            .unwrap();
        lengths.push(out.len());
    }
    lengths
}

#[test]
fn output_is_one_member_per_block_holding_the_input() {
    let mixed = [words(BLOCK + 300_000), noise(BLOCK * 2, 1), words(500_000)].concat();
    for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, mixed.len()] {
        let data = &mixed[..len];
        let gz = gzip(data, 2, 100_000);
        assert!(
            gunzip(&gz) == data,
            "input of {len} bytes did not round-trip"
        );
        let mut expected: Vec<usize> = data.chunks(BLOCK).map(<[u8]>::len).collect();
        if expected.is_empty() {
            expected.push(0);
        }
        assert_eq!(member_lengths(&gz), expected, "input of {len} bytes");
    }
}

#[test]
fn gnu_gzip_reads_every_member() {
    // An independent reader: what docker, containerd and podman use is as strict (Go's
    // compress/gzip reads all members and checks each trailer).
    let data = [words(BLOCK + 7), noise(BLOCK + 5, 3), words(1000)].concat();
    let gz = gzip(&data, 2, 65_536);
    let mut child = std::process::Command::new("gzip")
        .args(["-dc"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip(1) is installed");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&gz).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "gzip -dc failed");
    assert!(output.stdout == data);
}

#[test]
fn output_depends_neither_on_write_sizes_nor_on_threads() {
    let data = [words(BLOCK * 2), noise(BLOCK, 2), words(123_456)].concat();
    let reference = gzip(&data, 1, data.len());
    assert!(gzip(&data, 3, 7_777) == reference);
    assert!(gzip(&data, 2, BLOCK + 5) == reference);
    assert!(gzip_by_reading(&data, 2, 7_777) == reference);
    assert!(gzip_by_reading(&data, 1, usize::MAX) == reference);
}

#[test]
fn independent_blocks_compress_about_as_well_as_one_member() {
    // Members lose the matches across block boundaries; at BLOCK that must stay small (on the
    // push benchmark's layers: 0.2%). The level itself is judged by tests/bench/push.sh, which
    // prints the pushed size next to podman's.
    let data = words(4 * BLOCK);
    let parallel = gzip(&data, 2, 65_536).len();
    let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(2).unwrap());
    let mut whole = vec![0u8; compressor.gzip_compress_bound(data.len())];
    let whole = compressor.gzip_compress(&data, &mut whole).unwrap();
    assert!(
        parallel < whole + whole / 200,
        "in members {parallel} bytes, in one {whole}"
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
    assert!(gunzip(&gz) == data);
}

#[test]
fn stored_blocks_split_at_65535_bytes_and_mark_the_last() {
    let data = vec![7u8; 70_000];
    let out = pool::stored(&data, Vec::new());
    assert_eq!(out.len(), 70_000 + 2 * 5);
    assert_eq!(out[0], 0, "first block must not be final");
    assert_eq!(&out[1..5], &[0xff, 0xff, 0, 0]);
    assert_eq!(out[5 + 65_535], 1, "second block must be final");
    assert_eq!(pool::stored(&[], Vec::new()), vec![1, 0, 0, 0xff, 0xff]);
    assert!(gunzip(&pool::stored_member(&data, Vec::new())) == data);
}

#[test]
fn an_out_of_range_level_is_refused() {
    let pool = GzipPool::new(1).unwrap();
    assert!(ParallelGzEncoder::new(Vec::new(), 0, Arc::clone(&pool)).is_err());
    assert!(ParallelGzEncoder::new(Vec::new(), 13, pool).is_err());
}

#[test]
fn an_unfinished_encoder_leaves_the_shared_pool_usable() {
    let pool = GzipPool::shared().unwrap();
    let mut abandoned = ParallelGzEncoder::new(Vec::new(), 2, Arc::clone(&pool)).unwrap();
    abandoned.write_all(&words(3 * BLOCK + 10)).unwrap();
    drop(abandoned);
    let data = words(2 * BLOCK + 3);
    let mut encoder = ParallelGzEncoder::new(Vec::new(), 2, pool).unwrap();
    encoder.write_all(&data).unwrap();
    assert!(gunzip(&encoder.finish().unwrap()) == data);
}
