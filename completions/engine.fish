complete --keep-order --exclusive --command engine --arguments "(_ENGINE_COMPLETE=fish engine -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
