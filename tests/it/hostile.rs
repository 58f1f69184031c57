//! Hostile inputs (issue 6).
