/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token-cli -- "rackd token create|list|delete": manages API tokens directly
 * in the store named by the configuration, so the first admin token can be
 * made before any token exists. Safe while rackd runs (SQLite WAL).
 */
#pragma once

/*
 * Runs "token VERB ..." (argv[0] is "token"). config_path comes from the
 * global --config and may be NULL when the subcommand gives its own.
 * Returns the exit status: 0 done, 1 failed, 2 bad usage.
 */
int token_command(const char *config_path, int argc, char **argv);
