//! Parser throughput on generated 837P files, with two baselines measured in the same run.
//!
//! For each input size (10 MB and 100 MB of 837P from a fixed seed):
//! - `memchr_terminators`: count segment terminators with `memchr` (the physical limit);
//! - `naive_split`: split on the terminator, then on the element separator, counting
//!   elements (what a naive tokenizer does);
//! - `x12pipe_tokenize`: walk every segment and element with our borrowed iterators;
//! - `x12pipe_tree`: build the envelope tree (`Document::parse`) and check every count;
//! - `x12pipe_stream`: the streaming `Reader` over the bytes (what `x12pipe parse` runs).
//!
//!
//! And from a file (in the page cache) for the whole-process target, `x12pipe parse` within
//! twice the time of a program that reads the file and counts terminators:
//! - `file_memchr`: read 128 KiB at a time and count terminators (what
//!   `examples/count_terminators` does);
//! - `file_stream`: the streaming `Reader` over the file, one thread;
//! - `file_split`: `SplitReader` over the file, a second thread reading the second half
//!   ahead (what `x12pipe parse` runs on a large file).
//!
//! Every closure checks its result against a count computed before timing, so no variant can
//! skip work. After criterion finishes, a table of MB/s and ratios to both baselines is
//! printed from criterion's own estimates (`target/criterion/.../new/estimates.json`).
//!
//! Run: `cargo bench --bench parse` (set `X12PIPE_BENCH_SIZES=10` to skip the 100 MB input).

use std::fs::File;
use std::hint::black_box;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

mod common;

use common::{generate, mean_ns, sizes};
use criterion::{BenchmarkId, Criterion, Throughput};
use x12pipe::envelope::split::SPLIT_MIN_BYTES;
use x12pipe::envelope::{Document, Event, Item, ParseOptions, Reader, SliceReader, SplitReader};

const GROUP: &str = "parse";

fn memchr_terminators(data: &[u8]) -> usize {
    memchr::memchr_iter(b'~', data).count()
}

fn naive_split(data: &[u8]) -> usize {
    data.split(|&b| b == b'~')
        .map(|segment| segment.split(|&b| b == b'*').count())
        .sum()
}

/// Segments, elements and element bytes, walked with the borrowed iterators (zero-copy).
fn x12pipe_tokenize(data: &[u8]) -> (u64, u64, u64) {
    let mut reader = SliceReader::new(data);
    let (mut segments, mut elements, mut bytes) = (0u64, 0u64, 0u64);
    let mut count = |segment: x12pipe::syntax::Segment<'_>| {
        segments += 1;
        for element in segment.elements() {
            elements += 1;
            bytes += element.as_bytes().len() as u64;
        }
    };
    while let Ok(Some(event)) = reader.next_event() {
        match event {
            Event::InterchangeStart(isa) => count(isa.segment()),
            Event::GroupStart(gs) => count(gs.segment()),
            Event::Transaction(set) => set.segments().for_each(&mut count),
            Event::GroupEnd(end) => end.ge.into_iter().for_each(&mut count),
            Event::InterchangeEnd(end) => end.iea.into_iter().for_each(&mut count),
            Event::InterchangeSegment(segment) => count(segment),
        }
    }
    (segments, elements, bytes)
}

/// The envelope tree with its counts checked: (transaction sets, problems).
fn x12pipe_tree(data: &[u8]) -> (usize, usize) {
    match Document::parse(data, ParseOptions::default()) {
        Ok(doc) => (
            doc.interchanges
                .iter()
                .flat_map(|i| &i.groups)
                .map(|g| g.transactions().len())
                .sum(),
            doc.problems().count(),
        ),
        Err(_) => (0, usize::MAX),
    }
}

/// The streaming reader over a `Read` of the bytes: (transaction sets, segments).
fn x12pipe_stream(data: impl Read) -> (u64, u64) {
    let mut reader = Reader::new(data);
    let mut sets = 0;
    while let Ok(Some(event)) = reader.next_event() {
        if let Event::Transaction(set) = event {
            sets += u64::from(set.problems().is_empty());
        }
    }
    (sets, reader.segments_read())
}

/// Reads the file 128 KiB at a time and counts terminators.
fn file_memchr(path: &Path) -> usize {
    let mut file = File::open(path).expect("bench file");
    let mut buf = vec![0u8; 128 << 10];
    let mut count = 0;
    loop {
        let n = file.read(&mut buf).expect("bench file");
        if n == 0 {
            return count;
        }
        count += memchr::memchr_iter(b'~', &buf[..n]).count();
    }
}

/// The streaming reader over the file: (transaction sets, segments).
fn file_stream(path: &Path) -> (u64, u64) {
    x12pipe_stream(File::open(path).expect("bench file"))
}

/// The split reader over the file: (transaction sets, segments, sets taken over).
fn file_split(path: &Path) -> (u64, u64, bool) {
    let mut reader = SplitReader::open(path, ParseOptions::default()).expect("bench file");
    let mut sets = 0;
    while let Ok(Some(item)) = reader.next_item() {
        match item {
            Item::Event(Event::Transaction(set)) => sets += u64::from(set.problems().is_empty()),
            Item::Sets(taken) => {
                sets += taken.iter().filter(|s| s.problems.is_empty()).count() as u64
            }
            Item::Event(_) => {}
        }
    }
    (sets, reader.segments_read(), reader.took_sets_ahead())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group(GROUP);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for mb in sizes() {
        let (data, _) = generate(mb);
        let label = format!("{mb}MB");
        let terminators = memchr_terminators(&data);
        let naive = naive_split(&data);
        let tokens = x12pipe_tokenize(&data);
        let tree = x12pipe_tree(&data);
        let stream = x12pipe_stream(&data[..]);
        assert_eq!(tokens.0 as usize, terminators, "one segment per terminator");
        assert_eq!(tree.1, 0, "generated input has no problems");
        assert_eq!(stream, (tree.0 as u64, tokens.0));
        eprintln!(
            "{label}: {} bytes, {} segments, {} elements, {} transaction sets",
            data.len(),
            tokens.0,
            tokens.1,
            tree.0
        );
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("memchr_terminators", &label),
            &data,
            |b, d| b.iter(|| assert_eq!(memchr_terminators(black_box(d)), terminators)),
        );
        group.bench_with_input(BenchmarkId::new("naive_split", &label), &data, |b, d| {
            b.iter(|| assert_eq!(naive_split(black_box(d)), naive))
        });
        group.bench_with_input(
            BenchmarkId::new("x12pipe_tokenize", &label),
            &data,
            |b, d| b.iter(|| assert_eq!(x12pipe_tokenize(black_box(d)), tokens)),
        );
        group.bench_with_input(BenchmarkId::new("x12pipe_tree", &label), &data, |b, d| {
            b.iter(|| assert_eq!(x12pipe_tree(black_box(d)), tree))
        });
        group.bench_with_input(BenchmarkId::new("x12pipe_stream", &label), &data, |b, d| {
            b.iter(|| assert_eq!(x12pipe_stream(black_box(&d[..])), stream))
        });
        let path = std::env::temp_dir().join(format!("x12pipe-bench-parse-{mb}MB.x12"));
        std::fs::write(&path, &data).expect("bench file");
        assert_eq!(file_memchr(&path), terminators);
        assert_eq!(file_stream(&path), stream);
        let split = (stream.0, stream.1, data.len() as u64 >= SPLIT_MIN_BYTES);
        assert_eq!(
            file_split(&path),
            split,
            "the split reader must take sets over"
        );
        group.bench_with_input(BenchmarkId::new("file_memchr", &label), &path, |b, p| {
            b.iter(|| assert_eq!(file_memchr(black_box(p)), terminators))
        });
        group.bench_with_input(BenchmarkId::new("file_stream", &label), &path, |b, p| {
            b.iter(|| assert_eq!(file_stream(black_box(p)), stream))
        });
        group.bench_with_input(BenchmarkId::new("file_split", &label), &path, |b, p| {
            b.iter(|| assert_eq!(file_split(black_box(p)), split))
        });
        let _ = std::fs::remove_file(&path);
    }
    group.finish();
}

fn report(since: std::time::SystemTime) {
    println!("\nthroughput (mean), ratio to memchr_terminators and to naive_split, same run:");
    for mb in sizes() {
        let label = format!("{mb}MB");
        let bytes = mb as f64 * 1e6;
        let memchr = mean_ns(GROUP, "memchr_terminators", &label, since);
        let naive = mean_ns(GROUP, "naive_split", &label, since);
        for function in [
            "memchr_terminators",
            "naive_split",
            "x12pipe_tokenize",
            "x12pipe_tree",
            "x12pipe_stream",
        ] {
            let Some(ns) = mean_ns(GROUP, function, &label, since) else {
                continue;
            };
            let mbps = bytes / ns * 1e3;
            let ratio = |base: Option<f64>| base.map_or("n/a".into(), |b| format!("{:.3}", b / ns));
            println!(
                "  {label:>6} {function:<20} {mbps:>9.1} MB/s   vs memchr {:>7}   vs naive {:>7}",
                ratio(memchr),
                ratio(naive)
            );
        }
    }
    println!(
        "\nfrom a file in the page cache, time as a multiple of file_memchr's (target: 2 or less):"
    );
    for mb in sizes() {
        let label = format!("{mb}MB");
        let bytes = mb as f64 * 1e6;
        let Some(base) = mean_ns(GROUP, "file_memchr", &label, since) else {
            continue;
        };
        for function in ["file_memchr", "file_stream", "file_split"] {
            let Some(ns) = mean_ns(GROUP, function, &label, since) else {
                continue;
            };
            println!(
                "  {label:>6} {function:<20} {:>9.1} MB/s   {:>6.2} x file_memchr",
                bytes / ns * 1e3,
                ns / base
            );
        }
    }
}

fn main() {
    let since = std::time::SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
    report(since);
}
