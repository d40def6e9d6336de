/* queue-spawner: starts qmail-queue runs for the listener, so the listener never forks itself.
 * A fork from a large Node process copies its page tables and costs about 1-2 ms of CPU; from
 * this small process it costs a few microseconds. One spawner per listener process, same uid.
 *
 * Requests on fd 0, netstrings ("LEN:payload,") whose payload is NUL-separated fields:
 *   s ID PROGRAM CWD MESSAGEFILE ENVELOPEFILE ERRORFD VAR=VALUE...   start a run
 *   k ID                                                              SIGKILL a run still going
 * The two files are opened and unlinked here, then become the run's fd 0 and fd 1; fd ERRORFD
 * is an unlinked temporary file whose first bytes are sent back when the run ends (qmail's
 * custom-error text). Replies on fd 1, one line each:
 *   p ID PID            started            f ID ERRNO        could not start (nothing ran)
 *   x ID e CODE HEX ALL exited with CODE   x ID s SIGNAL HEX ALL killed by SIGNAL
 * HEX is the error text in hex, or "-". ALL is 1 when the run read both files to the end (their
 * shared file offsets say so), else 0: exit 0 without reading everything is not a success, as
 * with pipes. An exec failure is exit 120, as in qmail.
 * Must never: block on a run, let a run inherit another run's files, or outlive fd 0's EOF
 * waiting for runs (they go on without us; nobody is left to read their verdict). */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)
#define MAX_ERROR_TEXT 1024
#define HIGH_FD 10

struct run {
  char id[32];
  pid_t pid;
  int msgfd, envfd, errfd;
};

static struct run *runs;
static size_t nruns, cap;
static int sigpipe_fds[2];

static void on_child(int sig) {
  int saved = errno;
  (void)sig;
  (void)!write(sigpipe_fds[1], "c", 1);
  errno = saved;
}

static void reply(const char *text) {
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t w = write(1, text + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) exit(111);
    off += (size_t)w;
  }
}

/* A descriptor at HIGH_FD or above, close-on-exec, so dup2 onto 0..9 in the child never clobbers it. */
static int high(int fd) {
  if (fd < 0) return fd;
  int h = fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD);
  close(fd);
  return h;
}

static int open_unlinked(const char *path, int flags) {
  int fd = high(open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd >= 0) unlink(path);
  return fd;
}

static void start(char **field, size_t nfield) {
  char line[128];
  if (nfield < 7 || strlen(field[1]) >= sizeof runs[0].id) return;
  const char *id = field[1], *program = field[2], *cwd = field[3];
  int errnum = atoi(field[6]);
  int msg = open_unlinked(field[4], O_RDONLY);
  int env = open_unlinked(field[5], O_RDONLY);
  char errpath[4096];
  snprintf(errpath, sizeof errpath, "%s.err", field[5]);
  int err = open_unlinked(errpath, O_RDWR | O_CREAT | O_EXCL);
  if (msg < 0 || env < 0 || err < 0 || errnum < 3 || errnum > 9) {
    snprintf(line, sizeof line, "f %s %d\n", id, errno ? errno : EINVAL);
    reply(line);
    if (msg >= 0) close(msg);
    if (env >= 0) close(env);
    if (err >= 0) close(err);
    return;
  }
  if (nruns == cap) {
    cap = cap ? cap * 2 : 64;
    runs = realloc(runs, cap * sizeof *runs);
    if (runs == NULL) exit(111);
  }
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(msg, 0) < 0 || dup2(env, 1) < 0 || dup2(err, errnum) < 0) _exit(120);
    if (*cwd) (void)!chdir(cwd);
    char *argv[] = {(char *)program, NULL};
    execve(program, argv, field + 7);
    _exit(120);
  }
  if (pid < 0) {
    snprintf(line, sizeof line, "f %s %d\n", id, errno);
    reply(line);
    close(msg);
    close(env);
    close(err);
    return;
  }
  struct run *r = &runs[nruns++];
  snprintf(r->id, sizeof r->id, "%s", id);
  r->pid = pid;
  r->msgfd = msg;
  r->envfd = env;
  r->errfd = err;
  snprintf(line, sizeof line, "p %s %d\n", id, (int)pid);
  reply(line);
}

static void kill_run(const char *id) {
  for (size_t i = 0; i < nruns; i++)
    if (strcmp(runs[i].id, id) == 0) kill(runs[i].pid, SIGKILL);
}

/* True when the run's reads reached the end of the file (the offset is shared with the run). */
static int read_whole(int fd) {
  struct stat st;
  off_t at = lseek(fd, 0, SEEK_CUR);
  int whole = at >= 0 && fstat(fd, &st) == 0 && at >= st.st_size;
  close(fd);
  return whole;
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (size_t i = 0; i < nruns; i++) {
      if (runs[i].pid != pid) continue;
      unsigned char text[MAX_ERROR_TEXT];
      ssize_t n = pread(runs[i].errfd, text, sizeof text, 0);
      close(runs[i].errfd);
      int all = read_whole(runs[i].msgfd) & read_whole(runs[i].envfd);
      char line[64 + 2 * MAX_ERROR_TEXT];
      int at = WIFSIGNALED(status)
          ? snprintf(line, 64, "x %s s %d ", runs[i].id, WTERMSIG(status))
          : snprintf(line, 64, "x %s e %d ", runs[i].id, WEXITSTATUS(status));
      if (n <= 0) at += snprintf(line + at, 3, "-");
      for (ssize_t j = 0; j < n; j++) at += snprintf(line + at, 3, "%02x", text[j]);
      snprintf(line + at, 4, " %d\n", all);
      reply(line);
      runs[i] = runs[--nruns];
      break;
    }
  }
}

/* Handles every complete netstring at the start of buf; returns the bytes used. */
static size_t requests(char *buf, size_t len) {
  size_t used = 0;
  for (;;) {
    char *p = buf + used, *end = buf + len;
    size_t n = 0;
    char *q = p;
    while (q < end && *q >= '0' && *q <= '9') n = n * 10 + (size_t)(*q++ - '0');
    if (q == end) return used;
    if (*q != ':' || q == p || n > MAX_REQUEST) exit(100);
    if ((size_t)(end - q) < n + 2) return used;
    char *payload = q + 1;
    if (payload[n] != ',') exit(100);
    payload[n] = '\0';
    char *field[4096];
    size_t nfield = 0;
    for (char *f = payload; f < payload + n + 1 && nfield < 4095; f += strlen(f) + 1) field[nfield++] = f;
    field[nfield] = NULL;
    if (nfield >= 2 && strcmp(field[0], "s") == 0) start(field, nfield);
    else if (nfield == 2 && strcmp(field[0], "k") == 0) kill_run(field[1]);
    used = (size_t)(payload + n + 1 - buf);
  }
}

int main(void) {
  static char buf[MAX_REQUEST + 64];
  size_t len = 0;
  /* Whatever our parent leaked to us must not reach the runs. */
  long max = sysconf(_SC_OPEN_MAX);
  for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close(fd);
  if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) return 111;
  sigpipe_fds[0] = high(sigpipe_fds[0]);
  sigpipe_fds[1] = high(sigpipe_fds[1]);
  fcntl(sigpipe_fds[1], F_SETFL, O_NONBLOCK);
  fcntl(sigpipe_fds[0], F_SETFL, O_NONBLOCK);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  for (;;) {
    struct pollfd fds[2] = {{0, POLLIN, 0}, {sigpipe_fds[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 111;
    }
    if (fds[1].revents) {
      char drain[64];
      while (read(sigpipe_fds[0], drain, sizeof drain) > 0) {}
      reap();
    }
    if (fds[0].revents) {
      ssize_t r = read(0, buf + len, sizeof buf - len);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return 0;
      len += (size_t)r;
      size_t used = requests(buf, len);
      memmove(buf, buf + used, len - used);
      len -= used;
      if (len == sizeof buf) return 100;
    }
  }
}
