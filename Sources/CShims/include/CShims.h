#ifndef VIGIL_CSHIMS_H
#define VIGIL_CSHIMS_H

// Typed wrappers for the variadic and macro-only C APIs that Swift cannot
// call directly (DESIGN section 4): one function per argument kind.

#define NCURSES_WIDECHAR 1
#include <ncurses.h>
#include <curl/curl.h>
#include <sys/types.h>

typedef size_t (*vigil_write_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*vigil_xferinfo_cb)(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                                 curl_off_t ultotal, curl_off_t ulnow);

CURLcode vigil_easy_setopt_long(CURL *h, CURLoption opt, long value);
CURLcode vigil_easy_setopt_string(CURL *h, CURLoption opt, const char *value);
CURLcode vigil_easy_setopt_pointer(CURL *h, CURLoption opt, void *value);
CURLcode vigil_easy_setopt_off(CURL *h, CURLoption opt, curl_off_t value);
CURLcode vigil_easy_setopt_write(CURL *h, vigil_write_cb cb);
CURLcode vigil_easy_setopt_header(CURL *h, vigil_write_cb cb);
// The upload's source (an email's message for SMTP).
CURLcode vigil_easy_setopt_read(CURL *h, vigil_write_cb cb);
CURLcode vigil_easy_setopt_slist(CURL *h, CURLoption opt, struct curl_slist *list);
CURLcode vigil_easy_getinfo_long(CURL *h, CURLINFO info, long *out);
CURLcode vigil_easy_getinfo_double(CURL *h, CURLINFO info, double *out);
CURLcode vigil_easy_getinfo_string(CURL *h, CURLINFO info, char **out);
CURLcode vigil_easy_getinfo_pointer(CURL *h, CURLINFO info, void **out);
CURLcode vigil_easy_getinfo_off(CURL *h, CURLINFO info, curl_off_t *out);
CURLMcode vigil_multi_setopt_long(CURLM *m, CURLMoption opt, long value);

// CURLMsg keeps the result in a union; Swift sees it awkwardly.
static inline CURLcode vigil_msg_result(CURLMsg *msg) { return msg->data.result; }

// ncurses attributes are macros that do not import.
static inline attr_t vigil_a_bold(void) { return A_BOLD; }
static inline attr_t vigil_a_reverse(void) { return A_REVERSE; }
static inline attr_t vigil_a_dim(void) { return A_DIM; }
static inline attr_t vigil_a_underline(void) { return A_UNDERLINE; }
static inline attr_t vigil_a_normal(void) { return A_NORMAL; }

// Signals: SIGTERM, SIGHUP and SIGINT set a flag and write a byte to a
// self-pipe, which the event loop polls with the keyboard; the handler is
// async-signal-safe. Returns the pipe's read end, or -1.
int vigil_install_signal_pipe(void);
// The last signal received (0 if none).
int vigil_last_signal(void);
// Restores the terminal at exit even on an unexpected exit path.
void vigil_endwin_at_exit(void);

// cchar_t from one grapheme (as wide chars), attributes and colour pair.
int vigil_setcchar(cchar_t *cc, const wchar_t *text, attr_t attrs, int pair);
// A pseudo-terminal of the given size, for tests: 0 on success.
int vigil_open_pty(int *master, int *slave, unsigned short columns, unsigned short rows);
#endif

// Vigil's threads (the engine, the history's writer and reader) name
// themselves for top and /proc: Foundation's Thread.name does not reach
// the kernel on Linux, and prctl is variadic.
#include <sys/prctl.h>
static inline void vigil_name_this_thread(const char *name) {
    prctl(PR_SET_NAME, name, 0, 0, 0);
}

// The engine's and the writers' threads run at a lower priority (nice
// +10) than the loop: on a machine whose cores are busy, a key and its
// frame get the CPU before a parse or a flush does. Linux gives each
// thread its own nice value; raising it needs no privilege.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
static inline void vigil_lower_this_thread(void) {
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
}
