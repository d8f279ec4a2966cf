/* rae: the Reverse API Engineer. Dispatches to one subcommand per file in src/cli/. */
#include "cli/cli.h"

#include <curl/curl.h>

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
    "  serve                         the server behind the web app (accounts, sprites, API)\n"
    "  user add|list|passwd NAME     accounts of the server\n"
    "  token create|list|revoke      API tokens for scripts (Authorization: Bearer)\n"
    "  gateway --socket PATH         holds a model provider's key for the AI engineer\n"
    "\n"
    "  rae COMMAND --help            options of a command\n"
    "  rae --version\n";

int main(int argc, char **argv) {
    curl_global_init(CURL_GLOBAL_DEFAULT); /* once, before any thread: model providers */
    int shown = cli_usage_first(argc, argv, usage);
    if (shown >= 0) return shown;
    if (strcmp(argv[1], "--version") == 0) {
        printf("rae %s\n", RAE_VERSION);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "har") == 0) return cmd_har(argc - 1, argv + 1);
    if (strcmp(argv[1], "capture") == 0) return cmd_capture(argc - 1, argv + 1);
    if (strcmp(argv[1], "engineer") == 0) return cmd_engineer(argc - 1, argv + 1);
    if (strcmp(argv[1], "sprite") == 0) return cmd_sprite(argc - 1, argv + 1);
    if (strcmp(argv[1], "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "user") == 0) return cmd_user(argc - 1, argv + 1);
    if (strcmp(argv[1], "token") == 0) return cmd_token(argc - 1, argv + 1);
    if (strcmp(argv[1], "gateway") == 0) return cmd_gateway(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see 'rae --help')", argv[1]);
    return EXIT_USAGE;
}
