"""Spoken CAPTCHA codes (issue 12 c): the "Mã kiểm tra" read aloud, in Vietnamese (English when
the person chose English), for people who cannot read the image (WCAG 1.1.1).

The voice is eSpeak NG, from the PyPI package ``espeakng-loader``, which ships the library and
its voice data (Vietnamese included): ``pip install`` from the project's own lock brings it, no
system package. The library is called through ``ctypes`` in its synchronous mode, one phrase at a
time, under a lock (it keeps global state). When the package or its library cannot be loaded,
``available()`` is false: the form shows no audio control and the audio URL answers 404.

``spoken_code`` reads the code slowly, one symbol at a time with a pause after each, then says
"Nhắc lại" ("again") and reads it once more, as a 16-bit mono WAV. It is made the same for the
same key (``rng`` is seeded by the caller), so the byte ranges a media player asks for agree.
"""

from __future__ import annotations

import array
import ctypes
import functools
import io
import random
import threading
import wave
from typing import Any

_lock = threading.Lock()
_engine: _Engine | None = None
_failed = False

# espeak_AUDIO_OUTPUT, espeak_PARAMETER, espeak_POSITION_TYPE and flags (speak_lib.h).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_RATE, _VOLUME, _PITCH = 1, 2, 3
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

VOICES = {"vi": "vi", "en": "en"}
# Words said around the code, per language: before it, and before the repetition.
PHRASES = {
    "vi": ("Mã kiểm tra là", "Nhắc lại"),
    "en": ("The code is", "Once more"),
}
# Slow (eSpeak's default is 175 words a minute), with a little variation per symbol.
SPEEDS = (120, 130)
PITCHES = (45, 50, 55)
SYMBOL_SLOT_S = 0.8  # a digit takes about 0.5 s at these speeds
INTRO_SLOT_S = 2.0
PAUSE_BETWEEN_SYMBOLS_S = 0.5  # after the symbol's slot: about 0.8 s of quiet between symbols
PAUSE_BEFORE_REPEAT_S = 1.2


class _Engine:
    def __init__(self) -> None:
        import espeakng_loader

        self.lib: Any = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data = espeakng_loader.get_data_path().encode()
        self.rate: int = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if self.rate <= 0:
            raise OSError("espeak-ng did not initialise")
        self._samples: array.array[int] = array.array("h")
        self._callback = _CALLBACK(self._collect)  # kept referenced while the library holds it
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._samples.extend(wav[:count])
        return 0  # go on

    def say(self, text: str, *, voice: str, pitch: int, rate: int) -> array.array[int]:
        """The samples of ``text`` (caller holds ``_lock``)."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise OSError(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(_RATE, rate, 0)
        self.lib.espeak_SetParameter(_PITCH, pitch, 0)
        self.lib.espeak_SetParameter(_VOLUME, 100, 0)
        self._samples = array.array("h")
        raw = text.encode() + b"\0"
        self.lib.espeak_Synth(raw, len(raw), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        return self._samples


def _get_engine() -> _Engine | None:
    global _engine, _failed  # noqa: PLW0603 - one engine per process, made on first use
    if _engine is None and not _failed:
        try:
            _engine = _Engine()
        except (ImportError, OSError, AttributeError):
            _failed = True
    return _engine


def available() -> bool:
    """Whether the server can speak (the package and its library load)."""
    with _lock:
        return _get_engine() is not None


def _fit(samples: array.array[int], frames: int) -> bytes:
    """``samples`` cut or padded with silence to exactly ``frames``."""
    return samples[:frames].tobytes() + bytes(2 * max(0, frames - len(samples)))


@functools.lru_cache(maxsize=256)
def _phrase(text: str, voice: str, pitch: int, rate: int, slot_s: float) -> bytes:
    """``text`` spoken, in a slot of ``slot_s`` seconds (caller holds ``_lock``). eSpeak's
    output varies by a few samples from one call to the next; the fixed slot keeps every byte
    offset of the file the same for the same key, in every process, and the memo keeps it
    cheap: a code is a few of these put end to end."""
    engine = _get_engine()
    if engine is None:
        raise OSError("no speech engine")
    return _fit(engine.say(text, voice=voice, pitch=pitch, rate=rate), int(engine.rate * slot_s))


def spoken_code(code: str, *, language: str, rng: random.Random) -> bytes:
    """``code`` read aloud as a WAV file: an introduction, each symbol with a pause after it,
    "again", each symbol once more. The same ``code`` and ``rng`` seed give the same file.
    ``OSError`` when the server cannot speak."""
    lang = language if language in VOICES else "vi"
    voice = VOICES[lang]
    intro, again = PHRASES[lang]
    with _lock:
        engine = _get_engine()
        if engine is None:
            raise OSError("no speech engine")
        rate = engine.rate

        def silence(seconds: float) -> bytes:
            return bytes(2 * int(rate * seconds))

        def say(text: str, slot_s: float) -> bytes:
            # A little variation per symbol, the same for the same key (``rng``).
            pitch = rng.choice(PITCHES)
            speed = rng.choice(SPEEDS)
            return _phrase(text, voice, pitch, speed, slot_s)

        parts = [silence(0.3), say(intro, INTRO_SLOT_S), silence(0.5)]
        for turn in range(2):
            if turn:
                parts += [silence(PAUSE_BEFORE_REPEAT_S), say(again, INTRO_SLOT_S), silence(0.3)]
            for symbol in code.upper():
                parts.append(say(symbol, SYMBOL_SLOT_S))
                parts.append(silence(PAUSE_BETWEEN_SYMBOLS_S + rng.choice((0.0, 0.1, 0.2))))
        parts.append(silence(0.3))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"".join(parts))
    return buffer.getvalue()
