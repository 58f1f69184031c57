//! Reports, rendered from the results store. (in progress)
