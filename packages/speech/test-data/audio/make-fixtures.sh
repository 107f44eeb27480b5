#!/bin/sh
# Regenerates the compressed audio fixtures in this folder: our own synthetic sine tones, made
# with Debian's sox, lame, flac, vorbis-tools and opus-tools (no third-party recordings, so no
# licence question). Run from this folder: sh make-fixtures.sh
# Needs: apt-get install -y sox lame flac vorbis-tools opus-tools
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tone() { # rate channels seconds out.wav [bits]
  sox -n -r "$1" -c "$2" -b "${5:-16}" "$4" synth "$3" sine 440 vol 0.5
}

tone 48000 1 0.5 "$tmp/48k-mono.wav"
tone 44100 2 0.5 "$tmp/44k1-stereo.wav"
tone 16000 1 0.5 "$tmp/16k-mono.wav"
tone 44100 2 0.2 "$tmp/44k1-stereo-short.wav"
tone 48000 1 0.2 "$tmp/48k-mono-24bit.wav" 24

# MP3: constant bitrate with LAME's Info tag (frame count, encoder delay/padding) ...
lame --quiet --noreplaygain -b 64 --resample 48 "$tmp/48k-mono.wav" tone-440hz-48k-mono.mp3
lame --quiet --noreplaygain -b 64 --resample 44.1 "$tmp/44k1-stereo.wav" tone-440hz-44k1-stereo.mp3
# ... and MPEG-2 at 16 kHz without any tag (-t), so only a frame walk knows its length.
lame --quiet --noreplaygain -t -b 32 --resample 16 "$tmp/16k-mono.wav" tone-440hz-16k-mono-notag.mp3

flac --silent --force --best -o tone-440hz-44k1-stereo.flac "$tmp/44k1-stereo-short.wav"
flac --silent --force --best -o tone-440hz-48k-mono-24bit.flac "$tmp/48k-mono-24bit.wav"

oggenc --quiet -q 0 -o tone-440hz-48k-mono.ogg "$tmp/48k-mono.wav"
# Opus always decodes at 48 kHz; the header records the 44.1 kHz input rate.
opusenc --quiet --bitrate 32 "$tmp/44k1-stereo.wav" tone-440hz-44k1-stereo.opus

ls -l
