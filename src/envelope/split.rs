//! Reading one large file on two threads, with exactly the results of one.
//!
//! Envelope checks are sequential (a count in a trailer covers everything before it), but
//! the transaction sets of a group can be read in any order: each starts afresh at its ST.
//! [`SplitReader`] reads a file like [`Reader`], and meanwhile a second thread reads ahead
//! from a point in the second half: the first ST after the middle of the file (a *seam*),
//! taking every set up to the first segment that is not an ST (a GE, say) and stopping
//! there. When the first reader arrives at the seam between two sets, with the same
//! delimiters, it takes over what the other thread read: segment and set counts, lines,
//! each set's problems (with positions placed in the whole stream, and ST02s that sets
//! before the seam already used), and goes on reading after them.
//!
//! Nothing is assumed that the first reader does not check: when the seam lies inside a
//! binary segment, inside a set that lacks its SE, in another interchange with other
//! delimiters, or anywhere the first reader does not stand between sets, what the other
//! thread read is dropped and the file is read on one thread to the end. The
//! `split_reads_agree_with_one_reader` tests read every corpus file, sample and grammar
//! test with a seam at every segment boundary and compare all results.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use super::error::{ParseError, Problem, ProblemKind};
use super::machine::OpenProblems;
use super::options::ParseOptions;
use super::reader::Reader;
use super::views::Event;
use crate::syntax::{Delimiters, Position};

/// Files shorter than this are read on one thread. Measured on a 2-core machine
/// (2026-12-07): two threads took more time than one on 10 MB, the same on 20 MB (with a
/// third more CPU time), 0.8 of it on 40 MB and 0.6 on 100 MB.
pub const SPLIT_MIN_BYTES: u64 = 32 << 20;

/// The most sets one run reads ahead (bounds its memory: a few dozen bytes a set).
const MAX_SETS_AHEAD: usize = 1 << 20;

/// How far past the middle of the file a seam is looked for.
const SEAM_SEARCH_BYTES: u64 = 16 << 20;

/// One transaction set read ahead by the second thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetSummary {
    /// ST01.
    pub transaction_type: Vec<u8>,
    /// ST03 when present, else GS08 (as [`super::TransactionSet::version`]).
    pub version: Vec<u8>,
    /// ST02.
    pub control_number: Vec<u8>,
    /// Where the ST is.
    pub start: Position,
    /// Segments, ST and SE included.
    pub segment_count: u64,
    /// The set's envelope problems, as the set's event would carry them.
    pub problems: Vec<Problem>,
    /// The second thread already reported this ST02 as a duplicate.
    pub(crate) flagged_duplicate: bool,
}

/// What the second thread read: the sets from `at` (its seam) to `end`.
#[derive(Debug)]
pub(crate) struct SetRun {
    pub(crate) end: u64,
    /// Segments from `at` to `end`.
    pub(crate) segments: u64,
    /// The line of `end`, counting `at` as line 1.
    pub(crate) end_line: u64,
    pub(crate) sets: Vec<SetSummary>,
}

/// Reads, from `at` (where `source` is positioned), the transaction sets of a group with
/// `delimiters`, up to the first segment that is not an ST or to anything unusual; stops
/// early when `cancel` is set.
fn read_sets_ahead<R: Read>(
    source: R,
    options: ParseOptions,
    delimiters: Delimiters,
    at: u64,
    cancel: &AtomicBool,
) -> SetRun {
    let mut reader = Reader::resume_in_group(source, options, delimiters, at);
    let mut run = SetRun {
        end: at,
        segments: 0,
        end_line: 1,
        sets: Vec::new(),
    };
    while !cancel.load(Ordering::Relaxed) && run.sets.len() < MAX_SETS_AHEAD {
        let set = match reader.next_event() {
            Ok(Some(Event::Transaction(set))) => SetSummary {
                transaction_type: set.transaction_type().to_vec(),
                version: set.version().to_vec(),
                control_number: set.control_number().to_vec(),
                start: set.position(),
                segment_count: set.segment_count() as u64,
                problems: set.problems().to_vec(),
                flagged_duplicate: set.problems().iter().any(|p| {
                    matches!(
                        p.kind,
                        ProblemKind::DuplicateControlNumber {
                            element: "ST02",
                            ..
                        }
                    )
                }),
            },
            // A GE, another envelope, the end of input or an error: the first reader
            // takes it from the end of the last set.
            _ => break,
        };
        if reader.group_problems_found() {
            // A stray segment between sets: the group would report it.
            break;
        }
        run.sets.push(set);
        run.end = reader.offset();
        run.segments = reader.segments_read();
        run.end_line = reader.current_line();
    }
    run
}

/// The first offset at or after `from` where a reader standing between two sets would be,
/// just after a segment terminator followed (after line breaks and spaces) by an `ST`.
/// Offsets where the pattern appears inside a segment are caught later: the first reader
/// never stands there.
fn find_seam(
    source: &mut (impl Read + Seek),
    from: u64,
    delimiters: Delimiters,
) -> io::Result<Option<u64>> {
    let pattern = [b'S', b'T', delimiters.element];
    let mut buf = vec![0u8; 256 << 10];
    let mut chunk_at = from;
    source.seek(SeekFrom::Start(from))?;
    while chunk_at < from.saturating_add(SEAM_SEARCH_BYTES) {
        let mut filled = 0;
        while filled < buf.len() {
            match source.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        let chunk = &buf[..filled];
        for st in memchr::memmem::find_iter(chunk, &pattern) {
            let mut fill = st;
            while fill > 0 && super::framer::is_filler(chunk[fill - 1]) {
                fill -= 1;
            }
            let after_terminator = if super::framer::is_filler(delimiters.segment) {
                chunk[fill..st]
                    .iter()
                    .position(|&b| b == delimiters.segment)
                    .map(|i| fill + i + 1)
            } else if fill > 0 && chunk[fill - 1] == delimiters.segment {
                Some(fill)
            } else {
                None
            };
            if let Some(seam) = after_terminator.filter(|&s| s > 0) {
                return Ok(Some(chunk_at + seam as u64));
            }
        }
        if filled < buf.len() {
            return Ok(None);
        }
        // The next chunk overlaps this one by a few bytes, so a pattern cut by the chunk
        // boundary is seen whole (the bytes before it are then at most a line-break run).
        let step = (filled - 64) as u64;
        chunk_at += step;
        source.seek(SeekFrom::Start(chunk_at))?;
    }
    Ok(None)
}

/// What a [`SplitReader`] yields.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "returned by value like Reader::next_event's Event; boxing would allocate per event"
)]
pub enum Item<'a> {
    /// An event, as [`Reader::next_event`] yields it.
    Event(Event<'a>),
    /// Transaction sets the second thread read, in order (no event was made for them).
    Sets(&'a [SetSummary]),
}

enum Ahead {
    /// No interchange read yet, so no delimiters to look for a seam with.
    NotYet,
    Running {
        seam: u64,
        delimiters: Delimiters,
        cancel: Arc<AtomicBool>,
        handle: JoinHandle<SetRun>,
    },
    Done,
}

/// A [`Reader`] over a file that lets a second thread read the sets of the second half ahead.
/// The items, counts and problems are those of a [`Reader`], except that sets read ahead
/// come as [`Item::Sets`] summaries instead of events.
pub struct SplitReader {
    reader: Reader<File>,
    path: std::path::PathBuf,
    options: ParseOptions,
    /// Where to look for a seam from.
    split_from: u64,
    ahead: Ahead,
    sets: Vec<SetSummary>,
}

impl SplitReader {
    /// Opens `path` to read it with a second thread when it is a regular file of at least
    /// [`SPLIT_MIN_BYTES`] (from its middle).
    pub fn open(path: &Path, options: ParseOptions) -> io::Result<Self> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        let split_from = if metadata.is_file() && metadata.len() >= SPLIT_MIN_BYTES {
            Some(metadata.len() / 2)
        } else {
            None
        };
        Ok(Self::with_file(file, path, options, split_from))
    }

    /// Opens `path`, looking for a seam from `split_from` whatever the file's size (`None`:
    /// one thread). For tests and benchmarks.
    pub fn open_split_from(
        path: &Path,
        options: ParseOptions,
        split_from: Option<u64>,
    ) -> io::Result<Self> {
        let file = File::open(path)?;
        Ok(Self::with_file(file, path, options, split_from))
    }

    fn with_file(file: File, path: &Path, options: ParseOptions, split_from: Option<u64>) -> Self {
        SplitReader {
            reader: Reader::with_options(file, options),
            path: path.to_path_buf(),
            options,
            split_from: split_from.unwrap_or(u64::MAX),
            ahead: if split_from.is_some() {
                Ahead::NotYet
            } else {
                Ahead::Done
            },
            sets: Vec::new(),
        }
    }

    /// Starts the second thread once the delimiters are known; `Done` when it cannot.
    fn start_ahead(&mut self, delimiters: Delimiters) -> Ahead {
        let start = || -> io::Result<Option<Ahead>> {
            let mut file = File::open(&self.path)?;
            let Some(seam) = find_seam(&mut file, self.split_from, delimiters)? else {
                return Ok(None);
            };
            if seam <= self.reader.offset() {
                return Ok(None);
            }
            file.seek(SeekFrom::Start(seam))?;
            let cancel = Arc::new(AtomicBool::new(false));
            let options = self.options;
            let flag = Arc::clone(&cancel);
            let handle = std::thread::Builder::new()
                .name("x12pipe-read-ahead".into())
                .spawn(move || read_sets_ahead(file, options, delimiters, seam, &flag))?;
            Ok(Some(Ahead::Running {
                seam,
                delimiters,
                cancel,
                handle,
            }))
        };
        // Any failure here only means one thread: the first reader reads everything.
        start().ok().flatten().unwrap_or(Ahead::Done)
    }

    /// The next item, `None` at the end of input. After an error, `None` follows.
    pub fn next_item(&mut self) -> Result<Option<Item<'_>>, ParseError> {
        if matches!(self.ahead, Ahead::NotYet)
            && let Some(delimiters) = self.reader.delimiters_read()
        {
            self.ahead = self.start_ahead(delimiters);
        }
        if let Ahead::Running {
            seam, delimiters, ..
        } = &self.ahead
        {
            let (seam, delimiters) = (*seam, *delimiters);
            if self.reader.is_between_sets_at(seam, delimiters) {
                if let Ahead::Running { handle, .. } =
                    std::mem::replace(&mut self.ahead, Ahead::Done)
                    && let Ok(run) = handle.join()
                    && !run.sets.is_empty()
                {
                    self.sets = self.reader.skip_sets(run)?;
                    return Ok(Some(Item::Sets(&self.sets)));
                }
            } else if self.reader.offset() > seam {
                // Past the seam without standing there: the other thread's work is of no use.
                if let Ahead::Running { cancel, .. } =
                    std::mem::replace(&mut self.ahead, Ahead::Done)
                {
                    cancel.store(true, Ordering::Relaxed);
                }
            }
        }
        Ok(self.reader.next_event()?.map(Item::Event))
    }

    /// Segments read so far (those read ahead included once taken over).
    pub fn segments_read(&self) -> u64 {
        self.reader.segments_read()
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.reader.offset()
    }

    /// Problems of envelopes still open (see [`Reader::open_problems`]).
    pub fn open_problems(&self) -> OpenProblems<'_> {
        self.reader.open_problems()
    }

    /// True when sets read by the second thread were taken over (for tests and benchmarks).
    pub fn took_sets_ahead(&self) -> bool {
        !self.sets.is_empty()
    }
}

impl Drop for SplitReader {
    fn drop(&mut self) {
        if let Ahead::Running { cancel, .. } = &self.ahead {
            cancel.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::AtomicUsize;

    use proptest::prelude::*;
    use proptest::sample::Index;

    use super::*;
    use crate::synth::{ClaimKind, GenOptions, write_interchange};

    fn describe_set(
        out: &mut Vec<String>,
        kind: &[u8],
        version: &[u8],
        cn: &[u8],
        start: Position,
        segments: u64,
        problems: &[Problem],
    ) {
        out.push(format!(
            "set {} {} {} {start} {segments}",
            String::from_utf8_lossy(kind),
            String::from_utf8_lossy(version),
            String::from_utf8_lossy(cn),
        ));
        out.extend(problems.iter().map(|p| format!("  {p}")));
    }

    fn describe_event(out: &mut Vec<String>, event: &Event<'_>) {
        match event {
            Event::Transaction(set) => describe_set(
                out,
                set.transaction_type(),
                set.version(),
                set.control_number(),
                set.position(),
                set.segment_count() as u64,
                set.problems(),
            ),
            other => {
                out.push(format!("{other:?}"));
                out.extend(other.problems().iter().map(|p| format!("  {p}")));
            }
        }
    }

    fn describe_end(
        out: &mut Vec<String>,
        segments: u64,
        offset: u64,
        open: OpenProblems<'_>,
        fatal: Option<ParseError>,
    ) {
        out.push(format!("end: {segments} segments, {offset} bytes"));
        out.extend(open.iter().map(|p| format!("  open {p}")));
        if let Some(e) = fatal {
            out.push(format!("fatal: {e}"));
        }
    }

    fn one_reader(path: &Path, options: ParseOptions) -> Vec<String> {
        let file = File::open(path).expect("test file");
        let mut reader = Reader::with_options(file, options);
        let mut out = Vec::new();
        let fatal = loop {
            match reader.next_event() {
                Ok(Some(event)) => describe_event(&mut out, &event),
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        describe_end(
            &mut out,
            reader.segments_read(),
            reader.offset(),
            reader.open_problems(),
            fatal,
        );
        out
    }

    /// The log of a split read looking for a seam from `from`, and whether sets were taken
    /// over from the second thread.
    fn split_reader(path: &Path, options: ParseOptions, from: u64) -> (Vec<String>, bool) {
        let mut reader =
            SplitReader::open_split_from(path, options, Some(from)).expect("test file");
        let mut out = Vec::new();
        let fatal = loop {
            match reader.next_item() {
                Ok(Some(Item::Event(event))) => describe_event(&mut out, &event),
                Ok(Some(Item::Sets(sets))) => {
                    for s in sets {
                        describe_set(
                            &mut out,
                            &s.transaction_type,
                            &s.version,
                            &s.control_number,
                            s.start,
                            s.segment_count,
                            &s.problems,
                        );
                    }
                }
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        describe_end(
            &mut out,
            reader.segments_read(),
            reader.offset(),
            reader.open_problems(),
            fatal,
        );
        (out, reader.took_sets_ahead())
    }

    /// Reads `path` with a seam at every place one can be found, and compares each log with
    /// the one reader's. Returns how many of those reads took sets over.
    fn agree_at_every_seam(path: &Path, options: ParseOptions) -> usize {
        let expected = one_reader(path, options);
        let mut file = File::open(path).expect("test file");
        let delimiters: Vec<Delimiters> = {
            let mut reader = Reader::with_options(File::open(path).expect("test file"), options);
            let mut all = Vec::new();
            while let Ok(Some(_)) = reader.next_event() {
                if let Some(d) = reader.delimiters_read()
                    && !all.contains(&d)
                {
                    all.push(d);
                }
            }
            all
        };
        let mut took = 0;
        for d in delimiters {
            let mut from = 0;
            while let Ok(Some(seam)) = find_seam(&mut file, from, d) {
                let (log, taken) = split_reader(path, options, from);
                if log != expected {
                    let first = log
                        .iter()
                        .zip(&expected)
                        .position(|(a, b)| a != b)
                        .unwrap_or(log.len().min(expected.len()));
                    panic!(
                        "{}: seam at {seam}: logs differ from line {first}:\nsplit: {:?}\none:   {:?}",
                        path.display(),
                        log.get(first..(first + 3).min(log.len())),
                        expected.get(first..(first + 3).min(expected.len())),
                    );
                }
                took += usize::from(taken);
                from = seam + 1;
            }
        }
        took
    }

    fn files_in(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("skipped (not present): {}", dir.display());
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "md" && e != "json"))
            .collect();
        files.sort();
        files
    }

    fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("x12pipe-split-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("temp file");
        path
    }

    #[test]
    fn split_reads_agree_with_one_reader_on_samples_corpus_and_grammar_tests() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = files_in(&root.join("samples"));
        files.extend(files_in(&root.join("grammar-tests")));
        files.extend(files_in(&root.join("../shared/corpus")));
        assert!(files.len() > 100, "only {} files found", files.len());
        let mut took = 0;
        for path in &files {
            for lenient in [false, true] {
                let options = ParseOptions {
                    lenient,
                    ..ParseOptions::default()
                };
                took += agree_at_every_seam(path, options);
            }
        }
        // Most of these files hold one set, so few reads can take any over; some must.
        assert!(took > 20, "sets were taken over in only {took} reads");
    }

    fn generated(sets: u64, crlf: bool, terminator: u8) -> Vec<u8> {
        let mut options = GenOptions::new(ClaimKind::Professional, sets * 3, 7);
        options.claims_per_transaction = 3;
        options.crlf = crlf;
        options.delimiters.segment = terminator;
        let mut out = Vec::new();
        write_interchange(&mut out, &options).expect("generated");
        out
    }

    #[test]
    fn sets_are_taken_over_whatever_the_line_breaks_and_terminator() {
        for (name, bytes) in [
            ("lf.x12", generated(6, false, b'~')),
            ("crlf.x12", generated(6, true, b'~')),
            ("lf-terminator.x12", generated(6, false, b'\n')),
        ] {
            let path = scratch(name, &bytes);
            let took = agree_at_every_seam(&path, ParseOptions::default());
            // Six sets: every seam but the first ST's (where the reader stands after the GS,
            // which is a seam too) leaves sets to take over.
            assert!(took >= 5, "{name}: sets taken over in {took} reads");
        }
    }

    /// A generated interchange edited by `edit` (applied to its text).
    fn edited(name: &str, edit: impl Fn(String) -> String) -> PathBuf {
        let text = String::from_utf8(generated(6, false, b'~')).expect("ASCII");
        let changed = edit(text.clone());
        assert_ne!(changed, text, "{name}: the edit changed nothing");
        scratch(name, changed.as_bytes())
    }

    #[test]
    fn problems_after_the_seam_are_placed_and_reported_as_by_one_reader() {
        // Every ST02 the same: each set after the first is a duplicate, whichever thread
        // read it.
        let same_st02 = |t: String| {
            let mut out = String::new();
            for line in t.split_inclusive('\n') {
                if line.starts_with("ST*") || line.starts_with("SE*") {
                    let fields: Vec<&str> = line.split('*').collect();
                    let mut fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
                    fields[2] = if line.starts_with("ST*") {
                        "0001".to_string()
                    } else {
                        "0001~\n".to_string()
                    };
                    out.push_str(&fields.join("*"));
                } else {
                    out.push_str(line);
                }
            }
            out
        };
        let duplicates = edited("duplicates.x12", same_st02);
        // The same, and no ST01: the duplicate comes after the missing ST01.
        let duplicates_no_st01 = edited("duplicates-no-st01.x12", |t| {
            same_st02(t).replace("ST*837*", "ST**")
        });
        // Wrong SE01 counts and a missing ST01 in every set.
        let counts = edited("counts.x12", |t| {
            t.replace("SE*", "SE*9").replace("ST*837*", "ST**")
        });
        // A segment the group does not expect between two sets.
        let stray = edited("stray.x12", |t| {
            t.replacen("~\nST*837*0004", "~\nNM1*XX~\nST*837*0004", 1)
        });
        // A set without its SE: the next ST closes it.
        let missing_se = edited("missing-se.x12", |t| {
            let at = t.find("SE*").expect("an SE");
            let end = at + t[at..].find('\n').expect("a line");
            format!("{}{}", &t[..at], &t[end + 1..])
        });
        // Two groups: the second thread stops at the GE.
        let two_groups = edited("two-groups.x12", |t| {
            let at = t.match_indices("ST*837*").nth(3).expect("a fourth set").0;
            format!(
                "{}GE*3*1~\nGS*HC*SENDER*RECEIVER*20240101*1200*2*X*005010X222A1~\n{}",
                &t[..at],
                &t[at..]
            )
        });
        // The input ends inside a set.
        let truncated = edited("truncated.x12", |t| {
            let at = t.match_indices("CLM*").nth(10).expect("claims").0;
            t[..at + 6].to_string()
        });
        for path in [
            duplicates,
            duplicates_no_st01,
            counts,
            stray,
            missing_se,
            two_groups,
            truncated,
        ] {
            for lenient in [false, true] {
                let options = ParseOptions {
                    lenient,
                    ..ParseOptions::default()
                };
                agree_at_every_seam(&path, options);
            }
        }
    }

    /// One byte changed, inserted or deleted.
    #[derive(Clone, Debug)]
    enum Mutation {
        Replace(Index, u8),
        Insert(Index, u8),
        Delete(Index),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        // Bytes that matter to the envelopes, more often than chance would draw them.
        let byte = prop::sample::select(b"~*\n\r STEGIA0123".to_vec());
        prop_oneof![
            (any::<Index>(), byte.clone()).prop_map(|(i, b)| Mutation::Replace(i, b)),
            (any::<Index>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
            any::<Index>().prop_map(Mutation::Delete),
        ]
    }

    static CASE: AtomicUsize = AtomicUsize::new(0);

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn mutated_inputs_read_the_same_on_two_threads(
            mutations in prop::collection::vec(mutation(), 1..6),
            lenient in any::<bool>(),
        ) {
            let mut bytes = generated(6, false, b'~');
            for m in &mutations {
                match m {
                    Mutation::Replace(i, b) => {
                        let at = i.index(bytes.len());
                        bytes[at] = *b;
                    }
                    Mutation::Insert(i, b) => bytes.insert(i.index(bytes.len() + 1), *b),
                    Mutation::Delete(i) => {
                        bytes.remove(i.index(bytes.len()));
                    }
                }
            }
            let case = CASE.fetch_add(1, Ordering::Relaxed);
            let path = scratch(&format!("mutated-{case}.x12"), &bytes);
            let options = ParseOptions { lenient, ..ParseOptions::default() };
            agree_at_every_seam(&path, options);
            let _ = std::fs::remove_file(&path);
        }
    }

    #[test]
    fn a_seam_in_an_interchange_with_other_delimiters_is_dropped() {
        // The second thread looks for a seam with the first interchange's delimiters; the
        // second interchange has another component separator, so what the thread read
        // there (with the first's delimiters) must not be taken over.
        let mut bytes = generated(2, false, b'~');
        let first = bytes.len() as u64;
        let mut options = GenOptions::new(ClaimKind::Professional, 18, 8);
        options.claims_per_transaction = 3;
        options.delimiters.component = b'>';
        write_interchange(&mut bytes, &options).expect("generated");
        let path = scratch("two-interchanges.x12", &bytes);
        let expected = one_reader(&path, ParseOptions::default());
        let (log, took) = split_reader(&path, ParseOptions::default(), first);
        assert_eq!(log, expected);
        assert!(!took, "sets read with the wrong delimiters were taken over");
        agree_at_every_seam(&path, ParseOptions::default());
    }

    #[test]
    fn a_seam_inside_binary_data_is_dropped() {
        // A BIN segment whose data holds a terminator followed by an ST: a seam is found
        // there, and the first reader never stands there.
        let data = "x~\nST*837*9999*005010X222A1~\n";
        let bin = format!("BIN*{}*{data}~\n", data.len());
        let text = String::from_utf8(generated(4, false, b'~')).expect("ASCII");
        let at = text.match_indices("CLM*").nth(5).expect("claims").0;
        let changed = format!("{}{bin}{}", &text[..at], &text[at..]);
        let path = scratch("binary.x12", changed.as_bytes());
        let mut file = File::open(&path).expect("test file");
        let seam = find_seam(&mut file, at as u64, Delimiters::default())
            .expect("readable")
            .expect("a seam");
        assert!(seam > at as u64 && seam < (at + bin.len()) as u64);
        let expected = one_reader(&path, ParseOptions::default());
        let (log, took) = split_reader(&path, ParseOptions::default(), at as u64);
        assert_eq!(log, expected);
        assert!(!took, "sets read from inside binary data were taken over");
        agree_at_every_seam(&path, ParseOptions::default());
    }
}
