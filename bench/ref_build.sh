# Sourced by benchmarks that measure against an earlier commit in the same
# run: ref_build COMMIT sets ref_bin to that commit's ashiato, exported
# with git archive into /tmp/ashiato-ref-COMMIT/ and built there in
# Release (kept between runs: a second benchmark reuses it). ref_data is
# its data folder (cloud ranges, rules), for ASHIATO_DATA.
ref_build() {
  local ref=$1 dir=/tmp/ashiato-ref-$1
  if [ ! -x "$dir/build/ashiato" ]; then
    rm -rf "$dir"
    mkdir -p "$dir/src"
    git archive "$ref" | tar -x -C "$dir/src"
    cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
    cmake --build "$dir/build" -j"$(nproc)" --target ashiato >/dev/null
  fi
  ref_bin=$dir/build/ashiato
  ref_data=$dir/src/data
}
