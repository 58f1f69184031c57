//! Property tests (issue 6).
