/** The {@code sluice} command line (picocli): one class per subcommand, results on stdout, errors on stderr. */
package io.sluice.runner;
