import { openai } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { Memory } from '@mastra/memory';
import { LibSQLStore } from '@mastra/libsql';
import { temperatureTool } from '../tools/temperature-tool';
import { weatherTool } from '../tools/weather-tool';

export const weatherAgent = new Agent({
  id: 'weather-agent',
  name: 'Weather Agent',
  description: 'Answers questions about the weather and plans a day around it.',
  instructions: `
      You are a helpful weather assistant that provides accurate weather information
      and helps plan activities based on the weather.

      - Always ask for a location if none is provided.
      - Use the weatherTool to fetch current weather data.
      - Use the temperatureTool when the user wants Fahrenheit or Kelvin.
      - Keep responses concise but informative.
`,
  model: openai('gpt-4o-mini'),
  tools: { weatherTool, temperatureTool },
  memory: new Memory({
    options: { lastMessages: 20 },
    storage: new LibSQLStore({ url: 'file:../mastra.db' }),
  }),
});
