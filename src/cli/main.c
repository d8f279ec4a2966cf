/* rae: the Reverse API Engineer. Dispatches to one subcommand per file in src/cli/. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: rae COMMAND [ARGS]\n"
    "\n"
    "Turn what a browser recorded into a working API client.\n"
    "\n"
    "commands:\n"
    "  capture [URL] --har OUT.har    record a real Chromium into a HAR (headless or on VNC)\n"
    "  engineer CAPTURE.har -o DIR   write api_client.py, openapi.json, replay.py, README.md, "
    ".env\n"
    "  har stats FILE                hosts, methods, status classes, mime types, API vs noise\n"
    "  har validate FILE             HAR 1.2 conformance, each problem with its place\n"
    "  har recover FILE              rebuild FILE from the journal of a capture that was killed\n"
    "  sprite COMMAND                persistent sandboxes: create, exec, files, checkpoints\n"
    "\n"
    "  rae COMMAND --help            options of a command\n"
    "  rae --version\n";

int main(int argc, char **argv) {
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("rae %s\n", RAE_VERSION);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "har") == 0) return cmd_har(argc - 1, argv + 1);
    if (strcmp(argv[1], "capture") == 0) return cmd_capture(argc - 1, argv + 1);
    if (strcmp(argv[1], "engineer") == 0) return cmd_engineer(argc - 1, argv + 1);
    if (strcmp(argv[1], "sprite") == 0) return cmd_sprite(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see 'rae --help')", argv[1]);
    return EXIT_USAGE;
}
