import { Mastra } from '@mastra/core/mastra';
import { LibSQLStore } from '@mastra/libsql';
import { PinoLogger } from '@mastra/loggers';
import { weatherAgent } from './agents/weather-agent';
import { activityPlanningWorkflow } from './workflows/activity-planning-workflow';

export const mastra = new Mastra({
  agents: { weatherAgent },
  workflows: { activityPlanningWorkflow },
  storage: new LibSQLStore({ url: 'file:../mastra.db' }),
  logger: new PinoLogger({ name: 'Mastra', level: 'info' }),
});
