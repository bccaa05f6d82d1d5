/*
 * setobj.h: finding a credential set and its objects through the function
 * list (the commands that use a set in place: azure-sas, jwt, set show).
 */
#ifndef CREDTOKEN_TOOL_SETOBJ_H
#define CREDTOKEN_TOOL_SETOBJ_H

#include <stddef.h>

#include "module.h"
#include "pin.h"

/* The slot of the token labelled id (a set's ID); -1 when there is none. */
int setobj_slot(const struct module *m, const char *id, CK_SLOT_ID *slot);

/* A session on set id with the user logged in (pin); -1 and one error line
 * (prefixed with cmd) when there is no such set or the login fails. */
int setobj_open(const struct module *m, const char *cmd, const char *id, struct pin *pin,
                CK_SESSION_HANDLE *s);

/* The one object of class cls labelled label; CK_INVALID_HANDLE if none. */
CK_OBJECT_HANDLE setobj_find(const struct module *m, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
                             const char *label);

/* Attribute type of h as a NUL-terminated string in buf (len bytes); 0 when
 * read. */
int setobj_string(const struct module *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                  CK_ATTRIBUTE_TYPE type, char *buf, size_t len);

/* The value of data object label, as setobj_string. */
int setobj_data(const struct module *m, CK_SESSION_HANDLE s, const char *label, char *buf,
                size_t len);

#endif
