#define _GNU_SOURCE 1
#include "CShims.h"

CURLcode vigil_easy_setopt_long(CURL *h, CURLoption opt, long value) { return curl_easy_setopt(h, opt, value); }
CURLcode vigil_easy_setopt_string(CURL *h, CURLoption opt, const char *value) { return curl_easy_setopt(h, opt, value); }
CURLcode vigil_easy_setopt_pointer(CURL *h, CURLoption opt, void *value) { return curl_easy_setopt(h, opt, value); }
CURLcode vigil_easy_setopt_off(CURL *h, CURLoption opt, curl_off_t value) { return curl_easy_setopt(h, opt, value); }
CURLcode vigil_easy_setopt_write(CURL *h, vigil_write_cb cb) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
CURLcode vigil_easy_setopt_header(CURL *h, vigil_write_cb cb) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb); }
CURLcode vigil_easy_setopt_read(CURL *h, vigil_write_cb cb) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb); }
CURLcode vigil_easy_setopt_slist(CURL *h, CURLoption opt, struct curl_slist *list) { return curl_easy_setopt(h, opt, list); }
CURLcode vigil_easy_getinfo_long(CURL *h, CURLINFO info, long *out) { return curl_easy_getinfo(h, info, out); }
CURLcode vigil_easy_getinfo_double(CURL *h, CURLINFO info, double *out) { return curl_easy_getinfo(h, info, out); }
CURLcode vigil_easy_getinfo_string(CURL *h, CURLINFO info, char **out) { return curl_easy_getinfo(h, info, out); }
CURLcode vigil_easy_getinfo_pointer(CURL *h, CURLINFO info, void **out) { return curl_easy_getinfo(h, info, out); }
CURLcode vigil_easy_getinfo_off(CURL *h, CURLINFO info, curl_off_t *out) { return curl_easy_getinfo(h, info, out); }
CURLMcode vigil_multi_setopt_long(CURLM *m, CURLMoption opt, long value) { return curl_multi_setopt(m, opt, value); }

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t last_signal = 0;
static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig) {
    last_signal = sig;
    if (signal_pipe[1] >= 0) {
        char b = (char)sig;
        ssize_t ignored = write(signal_pipe[1], &b, 1);
        (void)ignored;
    }
}

int vigil_install_signal_pipe(void) {
    if (signal_pipe[0] < 0) {
        if (pipe(signal_pipe) != 0) return -1;
        for (int i = 0; i < 2; i++) {
            fcntl(signal_pipe[i], F_SETFL, fcntl(signal_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    // A parent may have started Vigil with these blocked (masks survive
    // exec); blocked, they would never reach the handler and the terminal
    // would not be restored.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGWINCH);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    // A dropped SSH connection must not kill Vigil on a write to the tty.
    signal(SIGPIPE, SIG_IGN);
    return signal_pipe[0];
}

int vigil_last_signal(void) { return last_signal; }

static void endwin_if_needed(void) {
    if (!isendwin()) endwin();
}

void vigil_endwin_at_exit(void) { atexit(endwin_if_needed); }

int vigil_setcchar(cchar_t *cc, const wchar_t *text, attr_t attrs, int pair) {
    return setcchar(cc, text, attrs, (short)pair, NULL);
}

#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>

int vigil_open_pty(int *master, int *slave, unsigned short columns, unsigned short rows) {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) return -1;
    if (grantpt(m) != 0 || unlockpt(m) != 0) { close(m); return -1; }
    char *name = ptsname(m);
    if (!name) { close(m); return -1; }
    int s = open(name, O_RDWR | O_NOCTTY);
    if (s < 0) { close(m); return -1; }
    struct winsize ws = {rows, columns, 0, 0};
    ioctl(s, TIOCSWINSZ, &ws);
    *master = m;
    *slave = s;
    return 0;
}
