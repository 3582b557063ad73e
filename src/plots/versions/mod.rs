//! Reports over the plots' versions (every change is a version, kept by
//! trigger): one plot's history, the register as it stood at a time, and
//! the reserve overview (totals now or at a past date), and the reserve over
//! time (the overview at the end of each period).

pub mod history;
pub mod overview;
pub mod reserve;
pub mod trend;
