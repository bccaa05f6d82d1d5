/*
 * credset.c: reading a credential-set body (credset.h): the JSON, the
 * type, and the fields, before types.c builds the objects.
 */
#include "credset/credset_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

CK_RV
cs_fail(struct cs_build *b, CK_RV rv, const char *fmt, ...)
{
    if (b->err[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b->err, CREDSET_ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return rv;
}

const char *
cs_str(json_object *obj, const char *name, size_t *len)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, name, &v)) return NULL;
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

void
cs_time(time_t t, char out[CS_TIME_LEN])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, CS_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *
credset_type_name(enum credset_type t)
{
    return (unsigned)t < CREDSET_TYPES ? cs_types[t].name : NULL;
}

bool
credset_type_of(const char *name, enum credset_type *out)
{
    for (int i = 0; name != NULL && i < CREDSET_TYPES; i++)
        if (strcmp(cs_types[i].name, name) == 0) {
            *out = (enum credset_type)i;
            return true;
        }
    return false;
}

bool
credset_id_ok(const char *id, char err[CREDSET_ERR_LEN])
{
    size_t n = id != NULL ? strlen(id) : 0;
    if (n == 0) {
        snprintf(err, CREDSET_ERR_LEN, "the set ID is empty");
        return false;
    }
    if (n > CREDSET_ID_MAX) {
        snprintf(err, CREDSET_ERR_LEN,
                 "the set ID is %zu characters long; a set ID (the token label) has at most %d", n,
                 CREDSET_ID_MAX);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("._:@+=-", ch) != NULL)
            continue;
        snprintf(err, CREDSET_ERR_LEN,
                 "the set ID has a character other than letters, digits and ._:@+=- at %zu", i);
        return false;
    }
    return true;
}

void
credset_free(struct credset *c)
{
    if (c == NULL) return;
    for (size_t i = 0; i < c->nobj; i++) {
        attr_set_free(c->objs[i].tmpl);
        if (c->objs[i].pkcs8 != NULL) wipe_free(c->objs[i].pkcs8, c->objs[i].pkcs8_len);
    }
    free(c->objs);
    free(c);
}

/* ---- the body ---- */

static bool
cs_listed(const char *const *names, const char *k)
{
    for (size_t i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], k) == 0) return true;
    return false;
}

/* Every field of the type present, no other; strings only, except where
 * the type takes a whole JSON document (google-service-account-json). */
static CK_RV
cs_check_fields(struct cs_build *b, const struct cs_type *t, json_object *cred)
{
    json_object_object_foreach(cred, k, v)
    {
        if (!cs_listed(t->fields, k))
            return cs_fail(b, CKR_DATA_INVALID, "credentials: unexpected field \"%s\" for type %s",
                           k, t->name);
        bool doc = b->c->type == CREDSET_GOOGLE_SA;
        json_type jt = json_object_get_type(v);
        if (jt != json_type_string && !(doc && jt == json_type_object))
            return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: must be a string%s", k,
                           doc ? " or a JSON object" : "");
        if (jt == json_type_string) {
            size_t len = (size_t)json_object_get_string_len(v);
            if (len == 0) return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: is empty", k);
            if (memchr(json_object_get_string(v), '\0', len) != NULL)
                return cs_fail(b, CKR_DATA_INVALID, "credentials.%s: contains a NUL character", k);
        }
    }
    for (size_t i = 0; t->fields[i] != NULL; i++)
        if (!json_object_object_get_ex(cred, t->fields[i], NULL))
            return cs_fail(b, CKR_DATA_INVALID, "credentials: missing field \"%s\" for type %s",
                           t->fields[i], t->name);
    return CKR_OK;
}

/* The top level: {"type", "description"?, "credentials"} and nothing else. */
static CK_RV
cs_top(struct cs_build *b, json_object *root, json_object **cred)
{
    static const char *const top[] = {"type", "description", "credentials", NULL};
    json_object *type = NULL, *desc = NULL;
    if (!json_object_is_type(root, json_type_object))
        return cs_fail(b, CKR_DATA_INVALID, "the body must be a JSON object");
    json_object_object_foreach(root, k, v)
    {
        (void)v;
        if (!cs_listed(top, k)) return cs_fail(b, CKR_DATA_INVALID, "unexpected field \"%s\"", k);
    }
    if (!json_object_object_get_ex(root, "type", &type))
        return cs_fail(b, CKR_DATA_INVALID, "missing field \"type\"");
    if (!json_object_is_type(type, json_type_string))
        return cs_fail(b, CKR_DATA_INVALID, "\"type\" must be a string");
    if (!credset_type_of(json_object_get_string(type), &b->c->type))
        return cs_fail(b, CKR_DATA_INVALID, "unknown type \"%.64s\"", json_object_get_string(type));
    if (json_object_object_get_ex(root, "description", &desc)) {
        if (!json_object_is_type(desc, json_type_string))
            return cs_fail(b, CKR_DATA_INVALID, "\"description\" must be a string");
        b->description = json_object_get_string(desc);
    }
    if (!json_object_object_get_ex(root, "credentials", cred))
        return cs_fail(b, CKR_DATA_INVALID, "missing field \"credentials\"");
    if (!json_object_is_type(*cred, json_type_object))
        return cs_fail(b, CKR_DATA_INVALID, "\"credentials\" must be a JSON object");
    return CKR_OK;
}

/* Strict JSON, the whole input, one value. */
static CK_RV
cs_json(struct cs_build *b, const uint8_t *body, size_t len, json_object **out)
{
    json_tokener *tok = json_tokener_new_ex(16);
    if (tok == NULL) return CKR_HOST_MEMORY;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *root = json_tokener_parse_ex(tok, (const char *)body, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    CK_RV rv = CKR_OK;
    if (root == NULL || e != json_tokener_success) {
        rv = cs_fail(b, CKR_DATA_INVALID, "malformed JSON at byte %zu: %s", end,
                     e == json_tokener_continue ? "unexpected end of input"
                                                : json_tokener_error_desc(e));
    } else {
        while (end < len && strchr(" \t\r\n", body[end]) != NULL)
            end++;
        if (end != len)
            rv = cs_fail(b, CKR_DATA_INVALID, "malformed JSON: extra data at byte %zu", end);
    }
    json_tokener_free(tok);
    if (rv != CKR_OK) {
        json_object_put(root);
        return rv;
    }
    *out = root;
    return CKR_OK;
}

/* The set's own description: a public CKO_DATA object "credset" whose
 * value is the listing's JSON (no secret is ever in it). */
static CK_RV
cs_descriptor(struct cs_build *b)
{
    json_object *d = json_object_new_object();
    if (d == NULL) return CKR_HOST_MEMORY;
    json_object_object_add(d, "credentialsId", json_object_new_string(b->c->id));
    json_object_object_add(d, "type", json_object_new_string(cs_types[b->c->type].name));
    json_object_object_add(d, "description",
                           json_object_new_string(b->description ? b->description : ""));
    json_object_object_add(d, "createDateTime", json_object_new_string(b->created));
    json_object_object_add(d, "updateDateTime", json_object_new_string(b->updated));
    const char *s = json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN);
    struct credset_obj *o = NULL;
    CK_RV rv = s != NULL ? cs_obj(b, CKO_DATA, "credset", &o) : CKR_HOST_MEMORY;
    if (rv == CKR_OK) rv = attr_set_put_bool(o->tmpl, CKA_PRIVATE, false);
    if (rv == CKR_OK) rv = attr_set_put(o->tmpl, CKA_APPLICATION, "credtoken", 9);
    if (rv == CKR_OK) rv = attr_set_put(o->tmpl, CKA_VALUE, s, (CK_ULONG)strlen(s));
    json_object_put(d);
    return rv;
}

CK_RV
credset_parse(const char *id, const uint8_t *body, size_t len, const struct credset_opts *o,
              struct credset **out, char err[CREDSET_ERR_LEN])
{
    struct cs_build b = {.o = o, .err = err};
    json_object *root = NULL, *cred = NULL;
    CK_RV rv;
    err[0] = '\0';
    if (!credset_id_ok(id, err)) return CKR_ARGUMENTS_BAD;
    if (body == NULL || len == 0) return cs_fail(&b, CKR_DATA_INVALID, "the body is empty");
    if (len > CREDSET_BODY_MAX)
        return cs_fail(&b, CKR_DATA_LEN_RANGE, "the body is %zu bytes; at most %d", len,
                       CREDSET_BODY_MAX);
    if ((b.c = calloc(1, sizeof *b.c)) == NULL) return CKR_HOST_MEMORY;
    snprintf(b.c->id, sizeof b.c->id, "%s", id);
    cs_time(o->created ? o->created : o->now, b.created);
    cs_time(o->now, b.updated);
    if ((rv = cs_json(&b, body, len, &root)) != CKR_OK) goto out;
    if ((rv = cs_top(&b, root, &cred)) != CKR_OK) goto out;
    const struct cs_type *t = &cs_types[b.c->type];
    if ((rv = cs_check_fields(&b, t, cred)) != CKR_OK) goto out;
    if (o->exportable && b.c->type != CREDSET_PSK) {
        rv = cs_fail(&b, CKR_DATA_INVALID, "--exportable applies to psk sets only");
        goto out;
    }
    if ((rv = t->build(&b, cred)) != CKR_OK) goto out;
    rv = cs_descriptor(&b);
out:
    json_object_put(root);
    if (rv != CKR_OK) {
        credset_free(b.c);
        if (err[0] == '\0') snprintf(err, CREDSET_ERR_LEN, "out of memory");
        return rv;
    }
    *out = b.c;
    return CKR_OK;
}
