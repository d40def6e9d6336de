/* discard-queue: a stand-in for qmail-queue that keeps nothing, so a benchmark measures the SMTP
 * server and not a queue. It speaks qmail-queue's side of the hand-off: reads the message on
 * fd 0 to end of file, then the envelope on fd 1 to end of file, and exits 0 ("queued").
 * A read error exits 54 (message) or 53 (envelope), the codes qmail-queue(8) uses for
 * "unable to read the message or envelope". It never writes, never stores, never looks at
 * the bytes, and is never to be installed where mail matters. */

#include <errno.h>
#include <unistd.h>

#define EXIT_QUEUED 0
#define EXIT_READ_ENVELOPE 53
#define EXIT_READ_MESSAGE 54

static char sink[65536];

/* Reads fd until end of file; 0 when it got there, -1 on a read error. */
static int drain(int fd) {
  for (;;) {
    ssize_t got = read(fd, sink, sizeof sink);
    if (got == 0) return 0;
    if (got < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
  }
}

int main(void) {
  if (drain(0) != 0) return EXIT_READ_MESSAGE;
  if (drain(1) != 0) return EXIT_READ_ENVELOPE;
  return EXIT_QUEUED;
}
