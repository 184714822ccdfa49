# bash completion for newswatch(1): subcommands, their options, and file names
# where a file is expected. Needs nothing from the bash-completion package, and
# uses its _filedir when it is there.

_newswatch_files() {
  if declare -F _filedir >/dev/null; then
    _filedir "$@"
  else
    local IFS=$'\n'
    COMPREPLY+=($(compgen -f -- "$cur"))
  fi
}

_newswatch() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands="extract match parse-feed check-rules subscribe keygen alerts stories sources status"
  commands+=" backtest notify discover passwd"
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
    return
  fi
  local options
  case ${COMP_WORDS[1]} in
    extract) options="--json --base-url --help" ;;
    match) options="-w --watchlist --json --lang --source --help" ;;
    parse-feed) options="--url --content-type --help" ;;
    check-rules) options="--help" ;;
    subscribe)
      options="-e --endpoint --replay-endpoint -t --topic --since --state --format --heartbeat"
      options+=" --curve-server-key --curve-key-file -n --count --help"
      ;;
    keygen) options="--help" ;;
    alerts) options="-c --config --since --limit --story --format --help" ;;
    stories) options="-c --config --top --since --help" ;;
    sources) options="-c --config --format --help" ;;
    status) options="-c --config --json --help" ;;
    backtest) options="-c --config -r --rule -w --watchlist --since --format --help" ;;
    notify) options="-c --config --check --status --log-level --help" ;;
    discover) options="--help" ;;
    passwd) options="--token --help" ;;
    *) return ;;
  esac
  case $prev in
    -c | --config | -w | --watchlist)
      _newswatch_files '@(toml)'
      return
      ;;
    --state | --curve-key-file)
      _newswatch_files
      return
      ;;
    --format)
      COMPREPLY=($(compgen -W "json text" -- "$cur"))
      return
      ;;
    --log-level)
      COMPREPLY=($(compgen -W "trace debug info warn error" -- "$cur"))
      return
      ;;
    --base-url | --url | --content-type | -e | --endpoint | -t | --topic | -n | --count | \
      --since | --limit | --story | --replay-endpoint | --heartbeat | --curve-server-key | --lang | --source | -r | --rule)
      return  # a value the user types
      ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  elif [[ ${COMP_WORDS[1]} != subscribe && ${COMP_WORDS[1]} != alerts && \
    ${COMP_WORDS[1]} != sources && ${COMP_WORDS[1]} != status && ${COMP_WORDS[1]} != keygen && \
    ${COMP_WORDS[1]} != backtest && ${COMP_WORDS[1]} != notify && ${COMP_WORDS[1]} != discover && \
    ${COMP_WORDS[1]} != passwd ]]; then
    _newswatch_files
  fi
}

complete -F _newswatch newswatch
