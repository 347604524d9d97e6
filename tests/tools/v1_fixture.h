/* v1_fixture.h: a format 1 profile (before format 2) for the migration's
 * tests: four records, three states, an enrollment with its queue and two
 * messages, each time in it a distinct 10-digit Unix time. */
#ifndef STEPWISE_TEST_V1_FIXTURE_H
#define STEPWISE_TEST_V1_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* The times a format 1 profile kept in clear; none may be left. */
#define V1_T_RECORD0	1700000051LL
#define V1_T_SYNCED0	1700000062LL
#define V1_T_ENROLLED	1700000400LL	/* stays: sync state, documented */
#define V1_T_RECORD1	1700000113LL
#define V1_T_SYNCED1	1700000524LL
#define V1_T_RECORD2	1700000235LL
#define V1_T_RECORD3	1700000346LL
#define V1_T_STATE	1700000457LL
#define V1_T_SENT	1700000568LL
#define V1_T_RECEIVED	1700000679LL
#define V1_T_READ	1700000781LL

#define V1_DRAFT_PHQ9	"{\"answers\":[1,2,0,-1,-1,-1,-1,-1,-1],\"functional\":-1,\"position\":3}"
#define V1_DRAFT_PLAN	"{\"values\":{\"warning_signs\":\"Not sleeping\"},\"position\":1}"
#define V1_MESSAGE_READ	"First note, already read."
#define V1_MESSAGE_NEW	"Second note, not read yet."

#define V1_N_RECORDS	4

struct v1_record {
	char		 id[PROTO_ID_LEN + 1];
	const char	*kind;
	const char	*json;
	long long	 created_at;
	long long	 synced_at;	/* 0: not sent */
};

struct v1_fixture {
	struct v1_record records[V1_N_RECORDS];
	char		 device[PROTO_ID_LEN + 1];
	unsigned char	 device_box_pk[32];
	unsigned char	 device_sign_pk[32];
	unsigned char	 clinic_box_pk[32], clinic_box_sk[32];
	unsigned char	 clinic_sign_pk[32], clinic_sign_sk[64];
	char		 messages[2][PROTO_ID_LEN + 1];	/* read, then new */
};

/* Write a new format 1 profile at path with passphrase pass, and extra
 * more exercise records (sent before the enrollment) for size. Exits on
 * failure. */
void	v1_fixture_write(const char *path, const char *pass, size_t extra,
	    struct v1_fixture *);

#endif
