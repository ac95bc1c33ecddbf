"""Where the caller's speech starts and ends, on a stream of 20 ms frames.

WebRTC's voice activity detector, plus a loudness floor so that line hiss does not count as
speech. Used for barge-in (the caller talks over a prompt), for the no-input timeout, and as the
endpointer of engines that have none of their own (Whisper).
"""

from __future__ import annotations

from collections import deque
from enum import Enum

import numpy as np
import webrtcvad

from voice.audio import FRAME_MS, rms_dbfs


class SpeechEvent(Enum):
    START = "start"
    PAUSE = "pause"  # a short silence inside speech: the end may be near
    END = "end"


class SpeechDetector:
    def __init__(
        self,
        rate: int,
        start_ms: int = 200,
        end_ms: int = 600,
        pause_ms: int = 240,
        aggressiveness: int = 2,
        min_dbfs: float = -50.0,
    ) -> None:
        if rate not in (8000, 16000, 32000, 48000):
            raise ValueError(f"WebRTC VAD needs 8, 16, 32 or 48 kHz audio, not {rate} Hz")
        self.rate = rate
        self._vad = webrtcvad.Vad(aggressiveness)
        self._window: deque[bool] = deque(maxlen=max(1, start_ms // FRAME_MS))
        self._end_frames = max(1, end_ms // FRAME_MS)
        self._pause_frames = max(1, min(pause_ms, end_ms) // FRAME_MS)
        self._min_dbfs = min_dbfs
        self._quiet = 0
        self.in_speech = False

    def is_voiced(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype="<i2")
        return rms_dbfs(samples) > self._min_dbfs and self._vad.is_speech(frame, self.rate)

    def push(self, frame: bytes) -> SpeechEvent | None:
        """Feed one 20 ms frame; returns START or END when the state changes."""
        voiced = self.is_voiced(frame)
        if not self.in_speech:
            self._window.append(voiced)
            # Most of the last `start_ms` voiced: a click or a cough is not a start.
            if len(self._window) == self._window.maxlen and sum(self._window) >= 0.75 * len(
                self._window
            ):
                self.in_speech, self._quiet = True, 0
                self._window.clear()
                return SpeechEvent.START
            return None
        self._quiet = 0 if voiced else self._quiet + 1
        if self._quiet >= self._end_frames:
            self.in_speech = False
            return SpeechEvent.END
        return SpeechEvent.PAUSE if self._quiet == self._pause_frames else None

    def reset(self) -> None:
        self._window.clear()
        self._quiet = 0
        self.in_speech = False
