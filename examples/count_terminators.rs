//! The physical limit for `x12pipe parse`: read a file and count its segment terminators
//! with `memchr`, nothing else. The README compares `x12pipe parse` against this program.
//!
//! Usage: `cargo run --release --example count_terminators -- FILE [TERMINATOR]`

use std::fs::File;
use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: count_terminators FILE [TERMINATOR]");
        return ExitCode::from(2);
    };
    let terminator = args.next().and_then(|t| t.bytes().next()).unwrap_or(b'~');
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut count = 0usize;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => count += memchr::memchr_iter(terminator, &buf[..n]).count(),
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    println!("{count}");
    ExitCode::SUCCESS
}
