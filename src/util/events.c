#include "rae/events.h"

#include <jansson.h>

static const char *type_name(rae_event_type t) {
    static const char *names[] = {"progress", "code",    "usage", "complete",
                                  "error",    "message", "tool"};
    return names[t];
}

char *rae_event_json(const rae_event *ev) {
    json_t *o = json_pack("{s:s}", "type", type_name(ev->type));
    switch (ev->type) {
    case RAE_EV_PROGRESS:
        json_object_set_new(o, "stage", json_string(ev->stage ? ev->stage : ""));
        json_object_set_new(o, "message", json_string(ev->message ? ev->message : ""));
        json_object_set_new(o, "done", json_integer(ev->done));
        json_object_set_new(o, "total", json_integer(ev->total));
        break;
    case RAE_EV_CODE:
        json_object_set_new(o, "path", json_string(ev->path ? ev->path : ""));
        json_object_set_new(o, "language", json_string(ev->language ? ev->language : ""));
        json_object_set_new(o, "content", json_string(ev->content ? ev->content : ""));
        break;
    case RAE_EV_USAGE:
        json_object_set_new(o, "input_tokens", json_integer(ev->input_tokens));
        json_object_set_new(o, "output_tokens", json_integer(ev->output_tokens));
        json_object_set_new(o, "cache_read_tokens", json_integer(ev->cache_read_tokens));
        json_object_set_new(o, "cache_write_tokens", json_integer(ev->cache_write_tokens));
        json_object_set_new(o, "cost_usd",
                            ev->cost_unknown ? json_null() : json_real(ev->cost_usd));
        break;
    case RAE_EV_MESSAGE:
        json_object_set_new(o, "text", json_string(ev->message ? ev->message : ""));
        break;
    case RAE_EV_TOOL:
        json_object_set_new(o, "tool", json_string(ev->tool ? ev->tool : ""));
        json_object_set_new(o, "phase", json_string(ev->phase ? ev->phase : ""));
        json_object_set_new(o, "message", json_string(ev->message ? ev->message : ""));
        break;
    case RAE_EV_COMPLETE: {
        json_t *files = json_array();
        for (size_t i = 0; i < ev->n_files; i++)
            json_array_append_new(files, json_string(ev->files[i]));
        json_object_set_new(o, "scripts_dir", json_string(ev->scripts_dir ? ev->scripts_dir : ""));
        json_object_set_new(o, "files", files);
        if (ev->message && *ev->message) /* the AI engineer's summary of what it did */
            json_object_set_new(o, "message", json_string(ev->message));
        break;
    }
    case RAE_EV_ERROR:
        json_object_set_new(o, "kind", json_string(ev->kind ? ev->kind : "runtime"));
        json_object_set_new(o, "message", json_string(ev->message ? ev->message : ""));
        break;
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}
