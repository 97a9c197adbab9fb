//! How results and errors reach the terminal.

use groundgame_store::Error;
use serde::Serialize;

/// Prints an error and its causes, and for a refused import the rows at fault.
pub fn print_error(e: &anyhow::Error) {
    if let Some(Error::Rows { errors, total }) = e.downcast_ref::<Error>() {
        for row in errors {
            eprintln!("  {row}");
        }
        if *total > errors.len() {
            eprintln!("  ... and {} more", total - errors.len());
        }
    }
    eprintln!("error: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
