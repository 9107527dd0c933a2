//! `slsim compare OBSERVED OUTPUT_DIR`: observed figures against a run's outputs (being written).
