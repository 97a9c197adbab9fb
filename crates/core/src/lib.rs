//! Domain types and pure logic of groundgame.
//!
//! Nothing here does I/O beyond reading from a caller's `Read`, nothing is async and nothing speaks
//! SQL: the store and the command line wire these pieces to files and databases.

/// Roles and what each may do: the one place that decides.
pub mod access;
/// The audit log's actions in words.
pub mod audit;
pub mod calendar;
/// Phone banking: call lists' filters, call outcomes, TPS screening.
pub mod calling;
/// Ballot ids and campaign identity.
pub mod campaign;
pub mod contact_details;
/// Cells of CSV files people open in spreadsheets, made safe from formula injection.
pub mod csv_cell;
/// Elector numbers (`PD-124/1`) and polling district codes.
pub mod elector;
/// What core's parsers and checks say when input is not what it should be.
pub mod error;
/// Franchise markers: what each letter on the register means and who may vote.
pub mod franchise;
/// Constituencies (GSS codes), postcodes and their centroids.
pub mod geography;
/// What voters raise: top issues by district, intention, age band and week.
pub mod issues;
/// The password policy.
pub mod password;
/// Polling day: promises, how many the seat needs, tellers' numbers.
pub mod polling_day;
/// Postcode centroid files: ONSPD, Code-Point Open, and the bundled demo area.
pub mod postcodes;
/// What a campaign's privacy notice says: purposes, data, lawful bases, how long.
pub mod privacy_notice;
/// Council register exports: layouts, parsing, households, updates, absent voters.
pub mod register;
/// Relational organising: what a supporter sees of a friend's register entry; age bands.
pub mod relational;
/// General election results and the win number.
pub mod results;
/// Canvassing sessions: standing on the list, reminders, attendance.
pub mod sessions;
/// A seeded, synthetic canvass and polling day for the demo and the benchmarks.
pub mod simulation;
/// The doorstep survey and what contacts say about electors.
pub mod survey;
/// A realistic synthetic register for demos, tests and benchmarks.
pub mod synthetic;
/// Texting's rules: sending hours, opt-out replies, templates, delivery.
pub mod texting;
/// UK local time (GMT and British Summer Time).
pub mod time;

pub use error::Invalid;
/// Synthetic volunteers for demos and the deployment comparison.
pub mod volunteers;
/// Ids in JSON bodies: whole numbers, however written.
pub mod whole_number;
