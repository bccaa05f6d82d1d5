#include "swtpm.h"
#include "../common/rmtree.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
port_free(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static int
port_open(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static int
pick_ports(void)
{
    srand((unsigned)(time(NULL) ^ getpid()));
    for (int i = 0; i < 200; i++) {
        int p = 20000 + 2 * (rand() % 15000);
        if (port_free(p) && port_free(p + 1)) return p;
    }
    return -1;
}

int
swtpm_dead_port(void)
{
    return pick_ports();
}

int
swtpm_start(struct swtpm *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/ct-swtpm-XXXXXX");
    if (mkdtemp(s->dir) == NULL || (s->port = pick_ports()) < 0) {
        fprintf(stderr, "swtpm: no state directory or no free ports\n");
        return -1;
    }
    char server[96], ctrl[96], state[96];
    snprintf(server, sizeof server, "type=tcp,port=%d,bindaddr=127.0.0.1", s->port);
    snprintf(ctrl, sizeof ctrl, "type=tcp,port=%d,bindaddr=127.0.0.1", s->port + 1);
    snprintf(state, sizeof state, "dir=%s", s->dir);
    s->pid = fork();
    if (s->pid < 0) return -1;
    if (s->pid == 0) {
        execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl, "--flags",
               "not-need-init,startup-clear", "--tpmstate", state, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) {
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "swtpm: exited before listening (status 0x%x)\n", st);
            s->pid = 0;
            return -1;
        }
        if (port_open(s->port)) {
            snprintf(s->tcti, sizeof s->tcti, "swtpm:host=127.0.0.1,port=%d", s->port);
            return 0;
        }
        usleep(10000);
    }
    fprintf(stderr, "swtpm: not listening on 127.0.0.1:%d after 10 s\n", s->port);
    swtpm_stop(s);
    return -1;
}

void
swtpm_stop(struct swtpm *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        s->pid = 0;
    }
    if (s->dir[0] != '\0') rmtree(s->dir);
}
