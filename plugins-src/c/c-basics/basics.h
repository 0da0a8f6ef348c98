/* basics.h: the handlers of c-basics, by source file. */
#ifndef PLUGINS_C_BASICS_H
#define PLUGINS_C_BASICS_H

#include "gatehouse.h"

/* greedy.c */
gh_status greedy_reset(const gh_agent_reset_req *req, gh_writer *reply);
gh_status greedy_act(const gh_agent_act_req *req, gh_writer *reply);
gh_str_list greedy_goals(gh_str actor); /* the goals of the actor's run, none without one */

/* planner.c */
gh_status planner_reset(const gh_agent_reset_req *req, gh_writer *reply);
gh_status planner_act(const gh_agent_act_req *req, gh_writer *reply);

#endif
