/* A static probe for tests/security.rs: each subcommand tries one thing a hostile container
 * process would try and prints one line, "NAME ok" or "NAME ERRNO" (EPERM, EACCES, ...), so a
 * test can tell "refused by the kernel" from "refused by the seccomp filter" (ENOSYS) and from
 * "not even attempted". Built by the test with `cc -static`; stdlib and syscalls only.
 *
 *   probe keyring                  the session keyring's keys: "key DESCRIPTION PAYLOAD" lines
 *   probe with-secret-key CMD...   joins a new session keyring holding a user key
 *                                  "engine-test-secret", then execs CMD (on the host)
 *   probe raw-socket | packet-socket | unshare-user | mount-tmpfs DIR | init-module
 *   probe finit-module FILE | reboot | kill PID | ids
 *   probe attack-exe FD now|later  the CVE-2019-5736 attacker's second half (see exe_attack.c)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SECRET_DESCRIPTION "engine-test-secret"
#define SECRET_PAYLOAD "s3cret-of-the-host"

static const char *errno_name(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case ENOENT: return "ENOENT";
    case EROFS: return "EROFS";
    case EBADF: return "EBADF";
    case ENOEXEC: return "ENOEXEC";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ENOKEY: return "ENOKEY";
    case ETXTBSY: return "ETXTBSY";
    case EIO: return "EIO";
    case EDQUOT: return "EDQUOT";
    default: {
        static char other[32];
        snprintf(other, sizeof other, "errno-%d", e);
        return other;
    }
    }
}

/* Prints "name ok" when rc >= 0, else "name ERRNO"; returns 0 either way (the line is the
 * result, not the exit status). */
static int report(const char *name, long rc) {
    if (rc >= 0)
        printf("%s ok\n", name);
    else
        printf("%s %s\n", name, errno_name(errno));
    return 0;
}

static int keyring(void) {
    long ids[64];
    long n = syscall(SYS_keyctl, KEYCTL_READ, KEY_SPEC_SESSION_KEYRING, ids, sizeof ids);
    if (n < 0)
        return report("keyring", -1);
    printf("keyring ok\n");
    for (long i = 0; i < n / (long)sizeof(int) && i < 64; i++) {
        int id = ((int *)ids)[i];
        char description[256] = "", payload[256] = "";
        if (syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, description, sizeof description - 1) < 0)
            snprintf(description, sizeof description, "(describe: %s)", errno_name(errno));
        long len = syscall(SYS_keyctl, KEYCTL_READ, id, payload, sizeof payload - 1);
        if (len < 0)
            snprintf(payload, sizeof payload, "(read: %s)", errno_name(errno));
        else
            payload[len < (long)sizeof payload - 1 ? len : (long)sizeof payload - 1] = 0;
        printf("key %s %s\n", description, payload);
    }
    return 0;
}

static int with_secret_key(char **command) {
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) {
        perror("probe: keyctl(JOIN_SESSION_KEYRING)");
        return 1;
    }
    if (syscall(SYS_add_key, "user", SECRET_DESCRIPTION, SECRET_PAYLOAD, strlen(SECRET_PAYLOAD),
                KEY_SPEC_SESSION_KEYRING) < 0) {
        perror("probe: add_key");
        return 1;
    }
    execv(command[0], command);
    fprintf(stderr, "probe: exec %s: %s\n", command[0], strerror(errno));
    return 127;
}

/* Appends one line to /signal/result, the attack's report to the test. */
static void record(const char *format, ...) {
    FILE *report = fopen("/signal/result", "a");
    if (!report)
        return;
    va_list args;
    va_start(args, format);
    vfprintf(report, format, args);
    va_end(args);
    fputc('\n', report);
    fclose(report);
}

/* Tries to change the file open on `exe`: its content through a descriptor reopened for
 * writing, and its mode. */
static void attack_file(const char *when, int exe) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", exe);
    int writable = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (writable < 0) {
        record("%s open-for-write %s", when, errno_name(errno));
    } else {
        ssize_t n = write(writable, "EVIL", 4);
        record("%s write %s", when, n == 4 ? "ok" : errno_name(n < 0 ? errno : EIO));
        close(writable);
    }
    struct stat st;
    if (fstat(exe, &st) == 0) {
        int rc = fchmod(exe, (st.st_mode & 07777) | S_IWOTH);
        record("%s chmod %s", when, rc == 0 ? "ok" : errno_name(errno));
    }
}

/* The engine's file is open on `exe` (inherited from exe_attack.c, in the engine process the
 * kernel started as a script interpreter). Attacks it now; with `later`, also once
 * /signal/go exists, which the test creates when no engine process runs the file any more
 * (the kernel refuses writes to a running executable): this process is the probe, not the
 * engine, and keeps the descriptor. */
static int attack_exe(int exe, int later) {
    attack_file("now", exe);
    if (later) {
        setsid();
        for (int fd = 0; fd < 3; fd++)
            close(fd); /* the exec's output ends when the engine's does */
        for (int i = 0; i < 600 && access("/signal/go", F_OK) != 0; i++)
            usleep(50 * 1000);
        attack_file("later", exe);
    }
    record("done");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: probe SUBCOMMAND [ARGS]\n");
        return 2;
    }
    const char *what = argv[1];
    if (!strcmp(what, "keyring"))
        return keyring();
    if (!strcmp(what, "with-secret-key") && argc > 2)
        return with_secret_key(argv + 2);
    if (!strcmp(what, "raw-socket"))
        return report(what, socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    if (!strcmp(what, "packet-socket"))
        return report(what, socket(AF_PACKET, SOCK_RAW, 0));
    if (!strcmp(what, "unshare-user"))
        return report(what, unshare(CLONE_NEWUSER));
    if (!strcmp(what, "mount-tmpfs") && argc > 2)
        return report(what, mount("probe", argv[2], "tmpfs", 0, NULL));
    if (!strcmp(what, "init-module")) {
        /* Not a module: a kernel that let us this far would answer ENOEXEC. */
        static const char image[64] = "\177ELF not a module";
        return report(what, syscall(SYS_init_module, image, sizeof image, ""));
    }
    if (!strcmp(what, "finit-module") && argc > 2) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return report("finit-module-open", -1);
        return report(what, syscall(SYS_finit_module, fd, "", 0));
    }
    if (!strcmp(what, "reboot")) {
        /* CAD_OFF only changes what ctrl-alt-del does. In a PID namespace the kernel checks
         * CAP_SYS_BOOT first (EPERM) and then refuses every command but restart and power off
         * (EINVAL): EINVAL means the process would have been allowed to reboot. */
        return report(what, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                                    LINUX_REBOOT_CMD_CAD_OFF, NULL));
    }
    if (!strcmp(what, "kill") && argc > 2)
        return report(what, kill(atoi(argv[2]), 0));
    if (!strcmp(what, "attack-exe") && argc > 3)
        return attack_exe(atoi(argv[2]), !strcmp(argv[3], "later"));
    if (!strcmp(what, "ids")) {
        printf("uid %d euid %d\n", (int)getuid(), (int)geteuid());
        return 0;
    }
    fprintf(stderr, "probe: unknown subcommand %s\n", what);
    return 2;
}
