"""Reference outputs of torchaudio.functional.resample (Kaiser-windowed sinc) for resample.test.ts.

Run from this folder: python3 resample_reference.py  (Debian python3-torch, python3-torchaudio,
python3-numpy). Writes resample-reference.json: float32 input signals and the outputs (computed in
float64, 10 significant digits) of torchaudio's kaiser_best and kaiser_fast presets for a few
rate pairs.
"""
import json

import numpy as np
import torch
import torchaudio
import torchaudio.functional as F

PRESETS = {
    "best": dict(lowpass_filter_width=64, rolloff=0.9475937167399596, beta=14.769656459379492),
    "fast": dict(lowpass_filter_width=16, rolloff=0.85, beta=8.555043867138966),
}
PAIRS = [(44100, 16000), (48000, 16000), (22050, 16000), (8000, 16000)]
LENGTH = 160


def kaiser_method():
    # torchaudio 2.x renamed 'kaiser_window' to 'sinc_interp_kaiser'.
    major, minor = (int(x) for x in torchaudio.__version__.split(".")[:2])
    return "sinc_interp_kaiser" if (major, minor) >= (2, 0) else "kaiser_window"


def main():
    rng = np.random.default_rng(20241206)
    cases = []
    for orig, new in PAIRS:
        t = np.arange(LENGTH) / orig
        # A tone near the new Nyquist plus noise: exercises both passband and stopband.
        x = (0.4 * np.sin(2 * np.pi * 0.45 * min(orig, new) * t) + 0.2 * rng.standard_normal(LENGTH)).astype(np.float32)
        outputs = {}
        for preset, params in PRESETS.items():
            y = F.resample(
                torch.from_numpy(x.astype(np.float64))[None],
                orig,
                new,
                resampling_method=kaiser_method(),
                **params,
            )[0].numpy()
            outputs[preset] = [float(f"{v:.10g}") for v in y]
        # 9 significant digits round-trip float32 exactly.
        cases.append({"from": orig, "to": new, "input": [float(f"{v:.9g}") for v in x], "outputs": outputs})
    meta = {"torch": torch.__version__, "torchaudio": torchaudio.__version__, "method": kaiser_method()}
    with open("resample-reference.json", "w") as f:
        json.dump({"generatedBy": "resample_reference.py", "versions": meta, "cases": cases}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
