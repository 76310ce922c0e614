# Shared by ./run and ./test: say what each step does and how long it took, and set up .venv.

# step "what is being done" COMMAND...: print the step, run it, print its duration (or that it failed).
step() {
  local label="$1"
  shift
  local start end code=0
  start=$(date +%s%N)
  printf '• %s …\n' "$label"
  "$@" || code=$?
  end=$(date +%s%N)
  local tenths=$(( (end - start) / 100000000 ))
  if [ "$code" = 0 ]; then
    printf '  done in %d.%d s\n' $((tenths / 10)) $((tenths % 10))
  else
    printf '  FAILED after %d.%d s (exit %d)\n' $((tenths / 10)) $((tenths % 10)) "$code" >&2
  fi
  return "$code"
}

# pip, quiet: no progress, no version nagging, and without the "Location ... is ignored" warnings some
# machines' pip.conf prints for every package. Anything else it says (errors above all) still shows.
quiet_pip() {
  local log code=0
  log="$(mktemp)"
  .venv/bin/python -m pip --disable-pip-version-check install --quiet --progress-bar off "$@" 2>"$log" || code=$?
  grep -v -E "^WARNING: Location '.*' is ignored" "$log" >&2 || true
  rm -f "$log"
  return "$code"
}

# Create .venv with Python >= 3.11 and install a requirements file when it changed since the last install.
ensure_venv() {
  local requirements="$1"
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "FieldCRM needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    step "Creating the virtual environment .venv" "$python" -m venv .venv
    step "Updating pip" quiet_pip --upgrade pip
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    step "Installing the Python packages of $requirements (first time: about a minute)" \
      quiet_pip -r "$requirements"
    echo "$digest" > "$stamp"
  else
    echo "• Python packages of $requirements: up to date"
  fi
}
