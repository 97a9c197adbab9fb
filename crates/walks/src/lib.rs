//! The walk planner: every door of an area cut into walks of at most K doors, each in the order
//! that has a canvasser walk least. Pure and deterministic for a seed; no I/O beyond a caller's
//! `Read` and `Write`.
//!
//! The method is route first, cut second: one tour through every door (a space-filling curve,
//! improved by 2-opt and Or-opt over near neighbours, then by iterated local search while the
//! budget lasts), cut into walks where cutting saves the most (an exact dynamic programme over the
//! tour), each walk then polished as an open path.

/// The lower bound: the minimum spanning forest with as many trees as walks.
pub mod bound;
mod cut;
/// Doors in and walks out: the CSV contract, validation and scoring.
pub mod doors;
/// GeoJSON and SVG maps of a walk.
pub mod export;
/// Distances on the Earth and a local flat projection.
pub mod geo;
/// Synthetic door sets: suburbs and real postcode centroids.
pub mod instances;
/// Walk names (after their main streets) and estimated times.
pub mod naming;
mod path;
/// The planner.
pub mod plan;
mod tour;

pub use doors::{Door, DoorsError};
pub use plan::{plan, Options, Plan};
