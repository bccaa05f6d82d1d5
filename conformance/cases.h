/*
 * cases.h: each cases_*.c file registers the cases of one part of the
 * PKCS#11 3.0 base specification, in the order they run.
 */
#ifndef CT_CONF_CASES_H
#define CT_CONF_CASES_H

void cases_general_register(void);   /* §5.4, §5.1.6 not initialized (cases_general.c) */
void cases_interface_register(void); /* §5.4.5-5.4.6 interfaces, fork (cases_interface.c) */
void cases_slot_register(void);      /* §5.5 slot and token management (cases_slot.c) */
void cases_session_register(void);   /* §5.6 sessions, §5.1.2 handles (cases_session.c) */
void cases_login_register(void);     /* §5.6.8-5.6.10 the login matrix (cases_login.c) */
void cases_object_register(void);    /* §5.7 objects (cases_object.c) */
void cases_attr_register(void);      /* §4 attribute policy, templates (cases_attr.c) */
void cases_sign_register(void);      /* §5.2, §5.13, §5.15, precedences (cases_sign.c) */
void cases_ops_register(void);       /* shared operation rules, §5.12 (cases_ops.c) */
void cases_cipher_register(void);    /* §5.8, §5.10 (cases_cipher.c) */
void cases_keys_register(void);      /* §5.18, §5.19, §5.9/§5.14 (cases_keys.c) */
void cases_null_register(void);      /* NULL output pointers (cases_null.c) */

#endif
