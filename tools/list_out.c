/* list_out.c: print the tokens and objects `credtoken list` collected. */
#include "list.h"

#include "text.h"

struct list_name {
    CK_ULONG value;
    const char *name;
};

static const struct list_name list_classes[] = {
    {CKO_DATA, "data"},
    {CKO_CERTIFICATE, "certificate"},
    {CKO_PUBLIC_KEY, "public-key"},
    {CKO_PRIVATE_KEY, "private-key"},
    {CKO_SECRET_KEY, "secret-key"},
    {CKO_HW_FEATURE, "hw-feature"},
    {CKO_DOMAIN_PARAMETERS, "domain-parameters"},
    {CKO_MECHANISM, "mechanism"},
    {CKO_OTP_KEY, "otp-key"},
    {CKO_PROFILE, "profile"},
};

static const struct list_name list_key_types[] = {
    {CKK_EC, "EC"},
    {CKK_RSA, "RSA"},
    {CKK_AES, "AES"},
    {CKK_GENERIC_SECRET, "generic"},
    {CKK_EC_EDWARDS, "EC-Edwards"},
    {CKK_DSA, "DSA"},
    {CKK_DH, "DH"},
    {CKK_DES3, "DES3"},
    {CKK_SHA256_HMAC, "SHA256-HMAC"},
    {CKK_SHA384_HMAC, "SHA384-HMAC"},
    {CKK_SHA512_HMAC, "SHA512-HMAC"},
};

static const struct list_name list_flags[] = {
    {CKF_TOKEN_INITIALIZED, "initialized"},   {CKF_USER_PIN_INITIALIZED, "user-pin-set"},
    {CKF_USER_PIN_LOCKED, "user-pin-locked"}, {CKF_SO_PIN_LOCKED, "so-pin-locked"},
    {CKF_WRITE_PROTECTED, "write-protected"},
};

#define LIST_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The name of value in table, "vendor" in the vendor range, else "other". */
static const char *
list_name_of(const struct list_name *table, size_t n, CK_ULONG value)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].value == value) return table[i].name;
    return value >= CKO_VENDOR_DEFINED ? "vendor" : "other";
}

static const char *
list_class_name(const struct list_obj *o)
{
    if (!o->has_class) return "unknown";
    return list_name_of(list_classes, LIST_COUNT(list_classes), o->cls);
}

static const char *
list_key_type_name(const struct list_obj *o)
{
    if (!o->has_key_type) return NULL;
    return list_name_of(list_key_types, LIST_COUNT(list_key_types), o->key_type);
}

static const char *
list_profile_name(CK_ULONG id)
{
    switch (id) {
    case CKP_BASELINE_PROVIDER:
        return "baseline-provider";
    case CKP_EXTENDED_PROVIDER:
        return "extended-provider";
    case CKP_AUTHENTICATION_TOKEN:
        return "authentication-token";
    case CKP_PUBLIC_CERTIFICATES_TOKEN:
        return "public-certificates-token";
    default:
        return "unknown";
    }
}

static void
list_table_token(FILE *f, const struct list_token *t)
{
    const CK_TOKEN_INFO *in = &t->info;
    int n = 0;

    fprintf(f, "slot %lu  label \"", (unsigned long)t->slot);
    text_put_safe(f, in->label, text_trim_len(in->label, sizeof(in->label)));
    fputs("\"  serial ", f);
    text_put_safe(f, in->serialNumber, text_trim_len(in->serialNumber, sizeof(in->serialNumber)));
    fputs("  flags ", f);
    for (size_t i = 0; i < LIST_COUNT(list_flags); i++)
        if (in->flags & list_flags[i].value) fprintf(f, "%s%s", n++ ? "," : "", list_flags[i].name);
    fputs(n ? "\n" : "-\n", f);
    for (size_t i = 0; i < t->nprofiles; i++)
        fprintf(f, "%s%s", i ? "," : "      profiles ", list_profile_name(t->profiles[i]));
    if (t->nprofiles) fputc('\n', f);
}

static void
list_table_obj(FILE *f, const struct list_obj *o)
{
    const char *kt = list_key_type_name(o);
    size_t w = 0;

    fprintf(f, "      %-8lu %-12s %-11s %-8s ", (unsigned long)o->handle, list_class_name(o),
            kt != NULL ? kt : "-", o->is_private ? "private" : "public");
    if (o->id_len > 0)
        w = text_put_hex(f, o->id, o->id_len);
    else
        w = (size_t)fprintf(f, "-");
    fprintf(f, "%*s", w < 16 ? (int)(16 - w) : 0, "");
    fputs("  ", f);
    text_put_safe(f, o->label, o->label_len);
    fputc('\n', f);
}

void
list_out_table(FILE *f, const struct list_token *toks, size_t n)
{
    if (n == 0) fputs("no tokens\n", f);
    for (size_t i = 0; i < n; i++) {
        const struct list_token *t = &toks[i];
        list_table_token(f, t);
        if ((t->info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
        if (t->nobjs == 0) {
            fprintf(f, "      no objects%s\n", t->logged_in ? "" : " visible without login");
            continue;
        }
        fprintf(f, "      %-8s %-12s %-11s %-8s %-16s  %s%s\n", "HANDLE", "CLASS", "KEY TYPE",
                "ACCESS", "ID", "LABEL", t->logged_in ? "" : "   (public objects only)");
        for (size_t j = 0; j < t->nobjs; j++)
            list_table_obj(f, &t->objs[j]);
    }
}

static void
list_json_obj(FILE *f, const struct list_obj *o)
{
    const char *kt = list_key_type_name(o);

    fprintf(f, "{\"class\":\"%s\",\"key_type\":", list_class_name(o));
    if (kt != NULL)
        fprintf(f, "\"%s\"", kt);
    else
        fputs("null", f);
    fputs(",\"label\":", f);
    text_put_json(f, o->label, o->label_len);
    fputs(",\"id\":\"", f);
    text_put_hex(f, o->id, o->id_len);
    fputs("\"}", f);
}

static void
list_json_token(FILE *f, const struct list_token *t)
{
    const CK_TOKEN_INFO *in = &t->info;
    int n = 0;

    fprintf(f, "{\"slot\":%lu,\"label\":", (unsigned long)t->slot);
    text_put_json(f, in->label, text_trim_len(in->label, sizeof(in->label)));
    fputs(",\"serial\":", f);
    text_put_json(f, in->serialNumber, text_trim_len(in->serialNumber, sizeof(in->serialNumber)));
    fputs(",\"flags\":[", f);
    for (size_t i = 0; i < LIST_COUNT(list_flags); i++)
        if (in->flags & list_flags[i].value)
            fprintf(f, "%s\"%s\"", n++ ? "," : "", list_flags[i].name);
    fputs("],\"profiles\":[", f);
    for (size_t i = 0; i < t->nprofiles; i++)
        fprintf(f, "%s\"%s\"", i ? "," : "", list_profile_name(t->profiles[i]));
    fputs("],\"objects\":[", f);
    for (size_t j = 0; j < t->nobjs; j++) {
        if (j > 0) fputc(',', f);
        list_json_obj(f, &t->objs[j]);
    }
    fputs("]}", f);
}

void
list_out_json(FILE *f, const struct list_token *toks, size_t n)
{
    fputs("{\"tokens\":[", f);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) fputc(',', f);
        list_json_token(f, &toks[i]);
    }
    fputs("]}\n", f);
}
