"""CalDiff: conditional diffusion segmentation with step-wise (Step-UC) and
sequence-aware (Seq-UC) uncertainty calibration (Wang et al., IEEE JBHI 2026)."""
